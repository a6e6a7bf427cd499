"""Turn a notice into words, in the account's language (English or Simplified Chinese).

One template per kind and language, templates/notifications/<language>/<kind>.html, holds four
partials: `subject`, `text` (plain text), `html` (the email body and the in-site message) and
`sms` (what the approved SMS template says). Keeping the four side by side keeps them in step.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from billing import policy
from billing.days import BILLING_TZ

from .kinds import KINDS, console_link

LANGUAGES = ("en", "zh-hans")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def message_language(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def template_context(*, notice, recipient, language: str) -> dict:
    return {
        **notice.context,
        "kind": notice.kind,
        "account_name": notice.context.get("account_name") or notice.account.name,
        "recipient_name": recipient.name if recipient else notice.account.name,
        "link": console_link(notice.kind),
        "settings_link": settings.CONSOLE_BASE_URL.rstrip("/") + reverse("notifications:settings"),
        "language": language,
        "notice_day": notice.day,
        "limits": policy.template_limits(),
    }


def _render(name: str, context: dict, language: str) -> str:
    """HTML: the email body and the in-site message, escaped."""
    with translation.override(language), timezone.override(BILLING_TZ):
        return render_to_string(name, context)


def _render_plain(name: str, context: dict, language: str) -> str:
    """Plain text (subjects, text bodies, SMS): not HTML, so nothing is escaped here. Whatever
    shows it as HTML later (the inbox) escapes it once; escaping here too showed `&amp;`."""
    template = get_template(name).template
    with translation.override(language), timezone.override(BILLING_TZ):
        return template.render(Context(context, autoescape=False))


def _template(kind: str, language: str, part: str) -> str:
    return f"notifications/{language}/{kind}.html#{part}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _subject(notice, context: dict, language: str) -> str:
    return _one_line(_render_plain(_template(notice.kind, language, "subject"), context, language))


def render_subject(*, notice, recipient, language: str) -> str:
    language = message_language(language)
    context = template_context(notice=notice, recipient=recipient, language=language)
    return _subject(notice, context, language)


def render_email(*, notice, recipient) -> RenderedMessage:
    language = message_language(notice.account.language)
    context = template_context(notice=notice, recipient=recipient, language=language)
    subject = _subject(notice, context, language)
    body_context = {**context, "subject": subject}
    return RenderedMessage(
        subject=subject,
        text=_render_plain(
            f"notifications/{language}/_email.txt",
            {
                **body_context,
                "body_template": _template(notice.kind, language, "text"),
            },
            language,
        ).strip()
        + "\n",
        html=_render(
            f"notifications/{language}/_email.html",
            {
                **body_context,
                "body_template": _template(notice.kind, language, "html"),
            },
            language,
        ),
    )


def render_insite(*, notice, recipient, language: str) -> RenderedMessage:
    """The in-site message, in the language the person is reading the console in."""
    language = message_language(language)
    context = template_context(notice=notice, recipient=recipient, language=language)
    return RenderedMessage(
        subject=_subject(notice, context, language),
        text=_render_plain(_template(notice.kind, language, "text"), context, language).strip(),
        html=_render(_template(notice.kind, language, "html"), context, language),
    )


def render_sms(*, notice, recipient) -> tuple[str, list[str]]:
    """The SMS text and the Tencent Cloud template parameters, in template order."""
    language = message_language(notice.account.language)
    context = template_context(notice=notice, recipient=recipient, language=language)
    text = _one_line(_render_plain(_template(notice.kind, language, "sms"), context, language))
    values = sms_values(context)
    params = [values.get(name, "") for name in KINDS[notice.kind].sms_params]
    return text, params


def sms_values(context: dict) -> dict[str, str]:
    """Short strings for SMS template parameters: 2025-01-31, 2025-01-31 08:00, 1,234.50."""
    values: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, dt.datetime):
            local = value.astimezone(BILLING_TZ)
            values[key] = local.strftime("%Y-%m-%d %H:%M")
            if key.endswith("_at"):
                values[key[:-3] + "_on"] = local.strftime("%Y-%m-%d")
        elif isinstance(value, dt.date):
            values[key] = value.isoformat()
        elif isinstance(value, Decimal):
            values[key] = f"{value:,.2f}"
        elif isinstance(value, int | str):
            values[key] = str(value)
    used, total = context.get("used"), context.get("total")
    if isinstance(used, int) and isinstance(total, int) and total > 0:
        values["percent_used"] = str(used * 100 // total)
    return values
