from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .kinds import Category, Channel


class RecipientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    email = forms.EmailField(label=_("Email"), required=False)
    # Mainland numbers may be typed without +86; anything else needs its country code.
    mobile = PhoneNumberField(
        label=_("Mobile number"),
        required=False,
        region="CN",
        help_text=_("E.164, e.g. +8613800138000; mainland numbers may omit +86."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("mobile") and not self.errors:
            raise forms.ValidationError(_("Enter an email address or a mobile number."))
        return cleaned


class VerificationCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6-digit code.")},
    )


class MatrixForm(forms.Form):
    """The ticked cells of one recipient's matrix, posted as "category:channel" values."""

    cells = forms.MultipleChoiceField(
        required=False,
        choices=[(f"{category}:{channel}", "") for category in Category for channel in Channel],
    )

    def cleaned_cells(self) -> list[tuple[str, str]]:
        return [tuple(cell.split(":", 1)) for cell in self.cleaned_data["cells"]]
