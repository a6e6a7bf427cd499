"""The refund-ticket queue for support staff (SPEC.md §2 and §3 Refunds)."""

from django.contrib import admin

from billing.models import RefundTicket


@admin.register(RefundTicket)
class RefundTicketAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "order", "kind", "status", "quoted_amount", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number", "account__name", "account__owner__email"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
