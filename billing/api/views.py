"""The signed metering and entitlement API. Every refusal is a JSON error and changes nothing."""

import datetime as dt
import json
import re
from functools import wraps
from pathlib import Path

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from billing.errors import BillingError
from billing.models import Account, CaptchaApp, PushApp
from billing.services import entitlement, metering

from .signing import ApiError, authenticate

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def allow_methods(methods: list[str]):
    """405 in the API's JSON shape (Django's require_http_methods answers with an empty body)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error(405, "MethodNotAllowed", f"use {', '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


OPENAPI = Path(__file__).with_name("openapi.json")


@allow_methods(["GET"])
def openapi(request):
    """The OpenAPI 3.1 description of this API (billing/api/openapi.json), unsigned."""
    return HttpResponse(OPENAPI.read_bytes(), content_type="application/json")


def signed(view):
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            account_id = authenticate(request)
            return view(request, account_id, *args, **kwargs)
        except ApiError as failure:
            return error(failure.status, failure.code, failure.message)
        except RequestDataTooBig:
            return error(413, "RequestTooLarge", "the body is larger than a request may be")
        except BillingError as failure:
            return error(400, "InvalidParameter", str(failure))

    return wrapper


# No request the API documents nests deeper than an object of lists of objects.
MAX_JSON_DEPTH = 8


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        raise ApiError(400, "InvalidParameter", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidParameter", "the body must be a JSON object")
    _refuse_unstorable(body)
    return body


def _refuse_unstorable(body) -> None:
    """Depth and NUL characters, checked without recursion (PostgreSQL text cannot hold NUL).
    The error names the field, e.g. events[3].ticket."""
    stack = [(body, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "InvalidParameter", "the body is nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                field = f"{where}.{key}" if where else key
                if "\x00" in key:
                    raise ApiError(400, "InvalidParameter", "a key contains control characters")
                stack.append((item, depth + 1, field))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            message = f"{where or 'the body'} must not contain control characters"
            raise ApiError(400, "InvalidParameter", message)


@allow_methods(["POST"])
@signed
def captcha_verifications(request, account_id: int):
    body = _json_body(request)
    account = Account.objects.get(pk=account_id)
    result = metering.ingest_verifications(
        account=account, events=body.get("events"), now=timezone.now()
    )
    return JsonResponse(result.as_dict())


def _own(model, account_id: int, **lookup):
    app = model.objects.filter(**lookup).only("pk", "account_id").first()
    if app is None or app.account_id != account_id:
        # Another account's app answers exactly like a missing one.
        raise ApiError(404, "ResourceNotFound", "no such app for this key")
    return app


@allow_methods(["GET"])
@signed
def captcha_entitlement(request, account_id: int, app_id: int):
    cached = entitlement.cached_answer(account_id, entitlement.CAPTCHA, app_id)
    if cached is not None:
        return HttpResponse(cached, content_type="application/json")
    app = _own(CaptchaApp, account_id, captcha_app_id=app_id)
    return JsonResponse(entitlement.captcha_entitlement(app=app))


@allow_methods(["GET"])
@signed
def push_service(request, account_id: int, access_id: str):
    cached = entitlement.cached_answer(account_id, entitlement.PUSH, access_id)
    if cached is not None:
        return HttpResponse(cached, content_type="application/json")
    app = _own(PushApp, account_id, access_id=access_id)
    return JsonResponse(entitlement.push_service(app=app))


@allow_methods(["PUT"])
@signed
def push_dau(request, account_id: int, access_id: str, day: str):
    app = _own(PushApp, account_id, access_id=access_id)
    # fromisoformat also takes 20261201 and 2026-W48-1; the API documents one form only.
    try:
        if not ISO_DAY.fullmatch(day):
            raise ValueError(day)
        report_day = dt.date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, "InvalidParameter", "the date must be YYYY-MM-DD") from None
    kept = metering.report_dau(
        app=app, day=report_day, dau=_json_body(request).get("dau"), now=timezone.now()
    )
    return JsonResponse({"access_id": access_id, "day": day, "dau": kept})
