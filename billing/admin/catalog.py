"""What is sold: products (sale status, with a reason) and CAPTCHA pack SKUs."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.models import (
    PackSku,
    Product,
)
from billing.services import staff

from .common import StaffReasonForm, money_column


class ProductForm(StaffReasonForm):
    class Meta:
        model = Product
        fields = ["sale_status"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Sale status (SPEC §1 closed products) is a superuser's decision: the Support group can
    see it but has no change permission; every change carries a reason and is audited."""

    list_display = ["name", "code", "sale_status"]
    list_filter = ["sale_status"]
    form = ProductForm
    readonly_fields = ["name", "code"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        staff.set_sale_status(
            product=Product.objects.get(pk=obj.pk),
            status=form.cleaned_data["sale_status"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PackSku)
class PackSkuAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "size", "list_price", "validity_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code"]
    readonly_fields = ["product", "code", "kind", "verifications", "price", "validity_days"]
    list_price = money_column("price", _("price"))

    @admin.display(description=_("verifications"), ordering="verifications")
    def size(self, obj):
        return f"{obj.verifications:,}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
