"""Messages other packages show our users but do not translate yet.

Django 5.2.x changed the password-length message to "%d character(s)" while its zh_Hans
catalogue still has only the older "%(min_length)d" wording, so sign-up showed it in English.
Listing the msgids here lets `make messages` keep their Chinese in our catalogue, which Django
reads before its own. Nothing imports this module; it exists to be extracted.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
