"""How the console answers HTMX: forms with errors come back as swappable 400s, and
django.contrib.messages reach the page on any HTMX answer (console/htmx.py)."""

import json
import re

import pytest
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from console.htmx import HtmxMessagesMiddleware, is_swapped
from tests.factories import AccountFactory, PushAppFactory, fund

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
OOB_TOASTS = 'hx-swap-oob="beforeend:#toasts"'


@pytest.fixture
def owner(client):
    account = fund(AccountFactory(), cash="100000")
    client.force_login(account.owner)
    client.account = account
    return client


def text(response) -> str:
    return response.content.decode()


def test_every_page_tells_htmx_to_swap_400_and_422_and_no_other_error(owner):
    page = text(owner.get(reverse("console:captcha")))
    meta = re.search(r'<meta name="htmx-config" content="([^"]+)">', page)
    assert meta, "base.html must configure htmx"
    config = json.loads(meta.group(1).replace("&quot;", '"'))
    rules = config["responseHandling"]

    def rule_for(status):
        return next(rule for rule in rules if re.search(rule["code"], str(status)))

    for status in (200, 201):
        assert rule_for(status)["swap"] is True
    assert rule_for(204)["swap"] is False
    for status in (400, 422):
        assert rule_for(status)["swap"] is True and not rule_for(status).get("error")
    for status in (403, 404, 409, 500, 502):
        assert rule_for(status)["swap"] is False and rule_for(status)["error"] is True


def test_empty_captcha_app_name_over_htmx_is_a_400_fragment_with_the_error(owner):
    response = owner.post(reverse("console:captcha_create_app"), {"name": ""}, **HX)
    assert response.status_code == 400
    body = text(response)
    assert body.lstrip().startswith('<div class="card" id="captcha-apps">')
    assert "<html" not in body and "<main" not in body
    assert "is-invalid" in body and "This field is required." in body
    assert OOB_TOASTS not in body  # nothing to announce: the error is in the form
    assert not owner.account.captcha_apps.exists()


def test_created_captcha_app_message_comes_with_the_htmx_answer_and_not_later(owner):
    response = owner.post(reverse("console:captcha_create_app"), {"name": "Login page"}, **HX)
    assert response.status_code == 200
    app = owner.account.captcha_apps.get()
    body = text(response)
    assert 'id="captcha-apps"' in body
    toasts = body[body.index(OOB_TOASTS) :]
    assert f"App Login page created: CaptchaAppId {app.captcha_app_id}." in toasts
    assert "text-bg-success" in toasts
    # Shown once: the next page does not repeat it.
    assert "created: CaptchaAppId" not in text(owner.get(reverse("console:captcha")))


def test_without_htmx_the_message_waits_for_the_page_after_the_redirect(owner):
    response = owner.post(reverse("console:captcha_create_app"), {"name": "Login page"})
    assert response.status_code == 302
    assert OOB_TOASTS not in text(response)
    page = text(owner.get(reverse("console:captcha")))
    assert "App Login page created" in page
    assert OOB_TOASTS not in page  # a whole page shows messages as alerts


def test_push_create_form_errors_over_htmx_are_a_400_in_the_create_slot(owner):
    response = owner.post(reverse("console:push_create"), {"platform": "android"}, **HX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#create-slot"
    assert "This field is required." in text(response)


def test_preview_of_a_fractional_capacity_says_why_and_offers_no_checkout(owner):
    app = PushAppFactory(account=owner.account)
    page = text(owner.get(reverse("console:push_buy", args=[app.pk])))
    form_tag = re.search(r'<form [^>]*data-testid="buy-form"[^>]*>', page).group(0)
    assert "novalidate" in form_tag  # htmx would not send 1.5 from a number input otherwise
    preview = owner.get(
        reverse("console:push_buy_preview", args=[app.pk]),
        {"capacity": "1.5", "unit": "wan", "months": "1"},
        **HX,
    )
    body = text(preview)
    assert "Enter the capacity as a whole number" in body
    button = re.search(r'<button [^>]*data-testid="continue-checkout"[^>]*>', body).group(0)
    assert "disabled" in button


@pytest.mark.parametrize("name", ["push_upgrade", "push_buy"])
def test_preview_forms_are_not_validated_by_the_browser(owner, name):
    app = PushAppFactory(account=owner.account)
    page = text(owner.get(reverse(f"console:{name}", args=[app.pk])))
    for form_tag in re.findall(r"<form [^>]*hx-get=[^>]*>", page):
        assert "novalidate" in form_tag


# --- the middleware on its own ---------------------------------------------------------------


def _htmx_request():
    """A request that went through the session, messages and htmx middleware."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django_htmx.middleware import HtmxDetails

    request = RequestFactory().post("/", HTTP_HX_REQUEST="true")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(
    ("response", "swapped"),
    [
        (HttpResponse("<p>ok</p>"), True),
        (HttpResponse("<form></form>", status=400), True),
        (HttpResponse("<form></form>", status=422), True),
        (HttpResponse(status=204), False),
        (HttpResponse("<p>no</p>", status=403), False),
        (HttpResponse("<p>no</p>", status=500), False),
        (HttpResponseRedirect("/next/"), False),
        (HttpResponseClientRedirect("/receipt/"), False),
        (HttpResponse('{"a": 1}', content_type="application/json"), False),
    ],
)
def test_messages_ride_only_on_answers_htmx_swaps(response, swapped):
    assert is_swapped(response) is swapped
    request = _htmx_request()
    messages.success(request, "Saved <b>it</b>.")
    out = HtmxMessagesMiddleware(lambda request: response)(request)
    assert (OOB_TOASTS in out.content.decode()) is swapped
    if swapped:
        assert "Saved &lt;b&gt;it&lt;/b&gt;." in out.content.decode()  # escaped
    else:
        assert [m.message for m in messages.get_messages(request)] == ["Saved <b>it</b>."]


def test_errors_are_danger_toasts_that_stay_until_closed():
    request = _htmx_request()
    messages.error(request, "Refused.")
    messages.success(request, "Done.")
    out = HtmxMessagesMiddleware(lambda request: HttpResponse("<p>x</p>"))(request)
    body = out.content.decode()
    toast = r'<div class="toast [^"]*"[^>]*>(?:(?!<div class="toast ).)*Refused'
    refused = re.search(toast, body, re.S)
    assert refused and "text-bg-danger" in refused.group(0)
    assert 'data-bs-autohide="false"' in refused.group(0)
    assert "text-bg-success" in body and "Done." in body


def test_messages_already_rendered_by_a_whole_page_are_not_repeated():
    request = _htmx_request()
    messages.info(request, "Once.")
    list(messages.get_messages(request))  # the page's template iterated them
    out = HtmxMessagesMiddleware(lambda request: HttpResponse("<html>…</html>"))(request)
    assert OOB_TOASTS not in out.content.decode()
