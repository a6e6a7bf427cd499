"""Real-name documents (SPEC §1): which a person or a company may submit, and the check each
number must pass before support sees it. python-stdnum does the Chinese check digits."""

import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from billing.errors import BillingError


class Document(models.TextChoices):
    RESIDENT_ID = "cn_ric", gettext_lazy("Mainland resident ID card (居民身份证)")
    PASSPORT = "passport", gettext_lazy("Passport")
    HK_MACAU_PERMIT = "hk_mo_permit", gettext_lazy("Mainland travel permit for HK/Macau residents")
    TAIWAN_PERMIT = "tw_permit", gettext_lazy("Mainland travel permit for Taiwan residents")
    CREDIT_CODE = "cn_uscc", gettext_lazy("Unified social credit code (统一社会信用代码)")


DOCUMENTS_BY_KIND = {
    "individual": (
        Document.RESIDENT_ID,
        Document.PASSPORT,
        Document.HK_MACAU_PERMIT,
        Document.TAIWAN_PERMIT,
    ),
    "company": (Document.CREDIT_CODE,),
}
DEFAULT_DOCUMENT = {"individual": Document.RESIDENT_ID, "company": Document.CREDIT_CODE}

# Formats only: these documents carry no public check digit.
FORMATS = {
    Document.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
    Document.HK_MACAU_PERMIT: re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
    Document.TAIWAN_PERMIT: re.compile(r"[0-9]{8}([0-9]{2})?"),
}


def check_document(*, kind: str, document: str, number: str) -> str:
    """The number as stored (compact, upper case), or BillingError saying what is wrong."""
    if document not in DOCUMENTS_BY_KIND.get(kind, ()):
        raise BillingError(_("Choose a document that fits the account type."))
    compact = re.sub(r"[\s-]", "", number or "").upper()
    if not compact:
        raise BillingError(_("Both the name and the ID or registration number are required."))
    if document == Document.RESIDENT_ID:
        try:
            return ric.validate(compact)
        except StdnumError as error:
            raise BillingError(
                _("This is not a valid resident ID number (18 characters, with its check digit).")
            ) from error
    if document == Document.CREDIT_CODE:
        try:
            return uscc.validate(compact)
        except StdnumError as error:
            raise BillingError(
                _(
                    "This is not a valid unified social credit code (18 characters, with its "
                    "check character)."
                )
            ) from error
    if not FORMATS[document].fullmatch(compact):
        raise BillingError(_("This number does not have the format of the chosen document."))
    return compact
