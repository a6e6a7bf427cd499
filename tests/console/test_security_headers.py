"""Headers every answer carries: CSP, no-store for signed-in pages, Vary: HX-Request."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_signed_in_pages_are_not_stored_and_vary_with_htmx(client):
    client.force_login(AccountFactory().owner)
    for name in ("console:overview", "console:balance", "console:push", "notifications:inbox"):
        response = client.get(reverse(name))
        assert response["Cache-Control"] == "no-store", name
        assert "HX-Request" in response["Vary"], name
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    partial = client.get(reverse("console:push"), HTTP_HX_REQUEST="true")
    assert "HX-Request" in partial["Vary"] and partial["Cache-Control"] == "no-store"


def test_the_sign_in_page_has_the_policy_too(client):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "HX-Request" in response["Vary"]


def test_no_template_runs_inline_script():
    """script-src 'self' would silently drop these; behaviour lives in static/console/*.js."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)=\"|<script(?![^>]*\bsrc=)", re.I)
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def test_sign_in_and_sign_up_offer_the_language_switch(client):
    for path in ("/accounts/login/", "/accounts/signup/"):
        page = client.get(path).text
        assert 'data-testid="language-switch"' in page and "简体中文" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").text
