from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class CaptchaAppForm(forms.Form):
    name = forms.CharField(label=_("App name"), max_length=60)


class RechargeForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1000000"),
        max_digits=12,
        decimal_places=2,
        error_messages={
            "min_value": _("Recharge at least ¥0.01."),
            "max_value": _("Recharge at most ¥1,000,000.00 at a time."),
            "max_decimal_places": _("Amounts go down to the fen: at most 2 decimal places."),
            "max_digits": _("Recharge at most ¥1,000,000.00 at a time."),
        },
    )


class BalanceAlertForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("Alert me when my available balance falls below (¥)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to turn the alert off."),
    )


class OrderFilterForm(forms.Form):
    TABS = [("prepaid", _("Prepaid orders")), ("postpaid", _("Postpaid bills"))]
    tab = forms.ChoiceField(choices=TABS, required=False)
    product = forms.ChoiceField(
        choices=[("", _("All products")), ("captcha", _("CAPTCHA")), ("push", _("Mobile Push"))],
        required=False,
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), ("paid", _("Paid")), ("refunded", _("Refunded"))],
        required=False,
    )
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
