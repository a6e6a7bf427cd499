from django.shortcuts import render

from console.access import console_view


@console_view()
def overview(request):
    return render(request, "console/overview.html", {})
