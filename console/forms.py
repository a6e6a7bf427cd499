from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Account, Membership


class VerificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Account type"), choices=Account.Kind.choices)
    name = forms.CharField(
        label=_("Legal name (person or company)"),
        max_length=120,
    )
    number = forms.CharField(
        label=_("ID number / company registration number"),
        max_length=40,
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=Account._meta.get_field("language").choices
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
