"""Free text that customers and staff type: one rule for what is stored and shown to others.

Names appear on other people's screens (members, support, notices), so characters that change
how text is drawn are refused: control characters, and format characters such as the
right-to-left override (U+202E) or the zero-width space (U+200B) that make one name look like
another. Reasons may span lines. Every field has a length, so nobody can store megabytes.
"""

import unicodedata

from django.utils.translation import gettext as _

from billing.errors import BillingError

NAME_LENGTH = 60
REASON_LENGTH = 2000
LINE_BREAKS = {"\n", "\r", "\t"}


def clean_text(value, *, label: str, max_length: int, multiline: bool = False) -> str:
    """The stripped text, or BillingError naming the field and what is wrong with it."""
    text = (value or "").strip()
    if not text:
        raise BillingError(_("%(field)s is required.") % {"field": label})
    if len(text) > max_length:
        raise BillingError(
            _("%(field)s is at most %(max)d characters (this one has %(n)d).")
            % {"field": label, "max": max_length, "n": len(text)}
        )
    allowed = LINE_BREAKS if multiline else set()
    for char in text:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise BillingError(
                _("%(field)s contains an invisible or control character (U+%(code)04X).")
                % {"field": label, "code": ord(char)}
            )
    return text
