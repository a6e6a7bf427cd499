from django import forms
from django.utils.translation import gettext_lazy as _

from billing.identity import DOCUMENTS_BY_KIND, Document
from billing.models import Account, Membership

# The labels follow the account type (console.js switches them as the type changes).
NAME_LABELS = {
    "individual": _("Full name, as on the document"),
    "company": _("Company name, as registered"),
}
NUMBER_LABELS = {"individual": _("Document number"), "company": _("Unified social credit code")}


class VerificationForm(forms.Form):
    """Shape only; billing.identity checks the document and its number (check digits)."""

    kind = forms.ChoiceField(label=_("Account type"), choices=Account.Kind.choices)
    document = forms.ChoiceField(label=_("Document"), choices=Document.choices)
    name = forms.CharField(label=NAME_LABELS["individual"], max_length=120)
    number = forms.CharField(label=NUMBER_LABELS["individual"], max_length=40)

    def __init__(self, *args, kind: str = "individual", **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.data.get("kind") if self.is_bound else kind
        chosen = chosen if chosen in NAME_LABELS else "individual"
        self.fields["name"].label = NAME_LABELS[chosen]
        self.fields["number"].label = NUMBER_LABELS[chosen]
        self.label_choices = {
            "name": NAME_LABELS,
            "number": NUMBER_LABELS,
        }
        self.documents_by_kind = {k: list(v) for k, v in DOCUMENTS_BY_KIND.items()}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=Account._meta.get_field("language").choices
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
