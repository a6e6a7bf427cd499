"""Input parsing for the Mobile Push and Renewals pages; the rules themselves live in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing import policy, pricing
from billing.models import AccessPoint, PushApp


def _months_label(months: int) -> str:
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


# Translated when shown, not at import (ngettext_lazy(...) % {...} would fix the language then).
months_label = lazy(_months_label, str)

# SPEC.md §3 durations: 1-11 months, 1 year, 2 years (stored as 12 and 24 months).
DURATION_CHOICES = [
    *[(months, months_label(months)) for months in range(1, 12)],
    (12, _("1 year")),
    (24, _("2 years")),
]

# Nobody reaches 1,000,000,000 DAU; the bound keeps typing accidents out of the price engine.
MAX_CAPACITY_WAN = 100_000
MAX_DAU = MAX_CAPACITY_WAN * 10_000


class CreatePushAppForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("Platform"), choices=PushApp.Platform.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("App name"), max_length=60)
    access_point = forms.ChoiceField(
        label=_("Service access point"), choices=AccessPoint.choices, widget=forms.RadioSelect
    )


class DurationField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Duration"))
        super().__init__(
            choices=DURATION_CHOICES,
            coerce=int,
            error_messages={
                "invalid_choice": _(
                    "Choose a duration of 1 to 11 months, 1 year or 2 years "
                    "(%(value)s is not offered)."
                ),
                "required": _("Choose a duration."),
            },
            **kwargs,
        )


class CapacityForm(forms.Form):
    """Capacity in 万 DAU peak, or a DAU figure rounded up to whole 万 (SPEC.md §3)."""

    UNIT_WAN = "wan"
    UNIT_DAU = "dau"

    capacity = forms.IntegerField(
        label=_("DAU peak capacity"),
        error_messages={
            "invalid": _("Enter the capacity as a whole number, for example 10."),
            "required": _("Enter a capacity."),
        },
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[(UNIT_WAN, _("万 DAU")), (UNIT_DAU, _("DAU"))],
        required=False,
    )

    def clean_unit(self):
        return self.cleaned_data.get("unit") or self.UNIT_WAN

    def clean(self):
        cleaned = super().clean()
        capacity, unit = cleaned.get("capacity"), cleaned.get("unit") or self.UNIT_WAN
        if capacity is None:
            return cleaned
        if capacity < 1:
            self.add_error("capacity", _("The capacity must be at least 1万 DAU."))
            return cleaned
        limit = MAX_DAU if unit == self.UNIT_DAU else MAX_CAPACITY_WAN
        if capacity > limit:
            self.add_error("capacity", _("That capacity is larger than we can sell online."))
            return cleaned
        cleaned["capacity_wan"] = (
            pricing.capacity_wan_for_dau(capacity) if unit == self.UNIT_DAU else capacity
        )
        return cleaned


class PrepaidForm(CapacityForm):
    months = DurationField()


class UpgradeForm(CapacityForm):
    def __init__(self, *args, current_capacity_wan: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_capacity_wan = current_capacity_wan
        self.fields["capacity"].label = _("New DAU peak capacity")

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("capacity_wan")
        # SPEC.md §3 Upgrade: no downgrade; the service refuses it too.
        if new is not None and new <= self.current_capacity_wan:
            self.add_error(
                "capacity",
                _("Choose a capacity above the current %(current)s万; there is no downgrade.")
                % {"current": self.current_capacity_wan},
            )
        return cleaned


class RenewForm(forms.Form):
    months = DurationField()


class IdListField(forms.Field):
    """Repeated ?name=1&name=2 values as a list of distinct integers, in order."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        ids = []
        for item in value if isinstance(value, list | tuple) else [value]:
            try:
                number = int(item)
            except (TypeError, ValueError) as error:
                raise ValidationError(_("The selection is not valid.")) from error
            if number not in ids:
                ids.append(number)
        return ids

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class PostpaidForm(forms.Form):
    app = IdListField(error_messages={"required": _("Select at least one app.")})

    def clean_app(self):
        ids = self.cleaned_data["app"]
        if len(ids) > policy.PUSH_POSTPAID_BATCH_LIMIT:
            raise ValidationError(
                _(
                    "Postpaid can be enabled for at most %(limit)d apps at once; "
                    "you selected %(count)d."
                )
                % {"limit": policy.PUSH_POSTPAID_BATCH_LIMIT, "count": len(ids)}
            )
        return ids


class AutoRenewForm(forms.Form):
    subscription = IdListField(error_messages={"required": _("Select at least one subscription.")})
    enabled = forms.BooleanField(required=False)
    # A row's own switch: exactly one subscription, and the row comes back.
    single = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("single") and len(cleaned.get("subscription") or []) != 1:
            raise forms.ValidationError(_("A row's switch changes exactly one subscription."))
        return cleaned


class RenewalFilterForm(forms.Form):
    PRODUCT_ALL = ""
    PRODUCT_PUSH = "push"
    PRODUCT_CAPTCHA = "captcha"

    product = forms.ChoiceField(
        label=_("Product"),
        required=False,
        choices=[
            (PRODUCT_ALL, _("All products")),
            (PRODUCT_PUSH, _("Mobile Push")),
            (PRODUCT_CAPTCHA, _("CAPTCHA")),
        ],
    )
    within = forms.TypedChoiceField(
        label=_("Expiring"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any time")),
            (7, _("Within 7 days")),
            (15, _("Within 15 days")),
            (30, _("Within 30 days")),
            (90, _("Within 90 days")),
        ],
    )
