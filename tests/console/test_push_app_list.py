"""The push app list at scale: search by name or Access ID, pages of 25, renaming, long names."""

import re

import pytest
from django.urls import reverse

from billing.models import AuditEvent, Membership, PushApp
from tests.factories import AccountFactory, MembershipFactory, PushAppFactory

pytestmark = pytest.mark.django_db


def names(page) -> list[str]:
    return re.findall(r'data-testid="app-row" data-app="([^"]+)"', page.content.decode())


def test_search_finds_by_name_or_access_id_and_says_when_nothing_matches(client):
    account = AccountFactory()
    PushAppFactory(account=account, name="Weather Pro", access_id="1600000001")
    PushAppFactory(account=account, name="News Daily", access_id="1600000002")
    client.force_login(account.owner)
    url = reverse("console:push")
    assert names(client.get(url, {"q": "weather"})) == ["Weather Pro"]
    assert names(client.get(url, {"q": "1600000002"})) == ["News Daily"]
    empty = client.get(url, {"q": "nothing-like-it"}).content.decode()
    assert "No app matches" in empty


def test_pages_of_25_keep_the_filters(client):
    account = AccountFactory()
    for n in range(30):
        PushAppFactory(account=account, name=f"app-{n:02d}", platform="ios")
    client.force_login(account.owner)
    url = reverse("console:push")
    first = client.get(url, {"platform": "ios"})
    assert len(names(first)) == 25
    html = first.content.decode()
    assert "Page 1 of 2" in html and "platform=ios&amp;page=2" in html
    second = client.get(url, {"platform": "ios", "page": "2"})
    assert names(second) == [f"app-{n:02d}" for n in range(25, 30)]
    assert len(names(client.get(url, {"page": "99"}))) == 5  # past the end: the last page


def test_rename_is_audited_and_refused_for_read_only_members_and_bad_names(client):
    account = AccountFactory()
    app = PushAppFactory(account=account, name="Old name")
    client.force_login(account.owner)
    url = reverse("console:push_rename", args=[app.pk])
    client.post(url, {"name": "  New name  "})
    app.refresh_from_db()
    assert app.name == "New name"
    event = AuditEvent.objects.get(action="app_renamed")
    assert (event.old_value, event.new_value, event.actor) == (
        "Old name",
        "New name",
        account.owner,
    )
    client.post(url, {"name": "bad\u202ename"})
    client.post(url, {"name": "x" * 61})
    app.refresh_from_db()
    assert app.name == "New name"
    reader = MembershipFactory(account=account, role=Membership.Role.READONLY)
    client.force_login(reader.user)
    assert client.post(url, {"name": "Mine now"}).status_code == 403
    page = client.get(reverse("console:push_app", args=[app.pk])).content.decode()
    assert 'data-testid="rename-form"' not in page
    app.refresh_from_db()
    assert app.name == "New name"


def test_a_60_character_name_wraps_instead_of_widening_the_table(client):
    account = AccountFactory()
    PushAppFactory(account=account, name="W" * 60, state=PushApp.State.ACTIVE)
    client.force_login(account.owner)
    html = client.get(reverse("console:push")).content.decode()
    assert 'class="fw-semibold text-decoration-none text-break"' in html
