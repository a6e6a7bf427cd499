"""No page or notice spells a SPEC number: they print billing/policy.py (issue 12)."""

import datetime as dt
import re
from pathlib import Path

import pytest

from billing import policy
from billing.days import BILLING_TZ
from notifications import rendering
from notifications.models import Recipient
from notifications.services import notify
from tests.factories import AccountFactory, PushAppFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# The SPEC numbers as people write them, in both languages.
SPELLED = re.compile(r"1,000 DAU|1000|20,000|\b7 days\b|24 hours|7 天|24 小时|8th day")


def test_no_console_or_notice_template_spells_a_policy_number():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in [*TEMPLATES.glob("console/**/*.html"), *TEMPLATES.glob("notifications/**/*")]
        if path.is_file()
        for match in SPELLED.finditer(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_notice_quotes_the_policy_as_it_is_now(monkeypatch, language):
    monkeypatch.setattr(policy, "PUSH_TRIAL_DAU_LIMIT", 2_500)
    monkeypatch.setattr(policy, "PUSH_TRIAL_RECLAIM_AFTER_DAYS", 5)
    account = AccountFactory(language=language)
    app = PushAppFactory(account=account)
    stopped_at = dt.datetime(2026, 11, 2, 6, 30, tzinfo=BILLING_TZ)
    notice = notify(
        kind="push_trial_stopped",
        account=account,
        subject=app,
        day=stopped_at.date(),
        context={"stopped_at": stopped_at, "dau": 3_000, "reclaims_at": stopped_at},
    )
    recipient = Recipient.objects.get(account=account, is_owner=True)
    mail = rendering.render_email(notice=notice, recipient=recipient)
    assert "2,500" in mail.text and "1,000" not in mail.text
    assert ("5 天" if language == "zh-hans" else "5 days") in mail.text
