"""The entitlement hot path as plain WSGI, in front of Django.

Entitlement checks arrive thousands of times a second from the CAPTCHA and push services. When
the API key and the answer are already in Redis, this answers with one Redis round trip (a small
Lua script) and the signature check, skipping Django's URL resolver, middleware and response
machinery (most of a request's cost). Anything else (another URL, a bad or missing signature, a
cache miss) goes to Django unchanged, so every error and every computed answer still comes from
billing/api/views.py.
"""

import logging
import re

from billing import hot_store
from billing.services import entitlement

from .signing import ApiError, check_signature

logger = logging.getLogger(__name__)
ROUTE = re.compile(
    r"^/api/v1/(?:captcha/apps/(?P<captcha>[0-9]{1,18})/entitlement"
    r"|push/apps/(?P<push>[^/]+)/service)$"
)
HEADERS = [
    ("Content-Type", "application/json"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
]


def cached_entitlement(environ) -> bytes | None:
    """The JSON body for a signed entitlement GET whose answer is cached, else None."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("SCRIPT_NAME"):
        return None
    path = environ.get("PATH_INFO", "")
    route = ROUTE.match(path)
    if route is None or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None
    if environ.get("QUERY_STRING"):
        return None  # entitlement takes no query; Django checks the signature over it
    secret_id = environ.get("HTTP_X_SECRET_ID", "")
    if route["captcha"]:
        found = hot_store.entitlement_lookup(secret_id, entitlement.CAPTCHA, int(route["captcha"]))
    else:
        found = hot_store.entitlement_lookup(secret_id, entitlement.PUSH, route["push"])
    if found is None:
        return None
    account_id, secret_key, answer = found
    try:
        check_signature(
            key=(account_id, secret_key),
            method="GET",
            path=path,
            timestamp=environ.get("HTTP_X_TIMESTAMP", ""),
            signature=environ.get("HTTP_X_SIGNATURE", ""),
            body=b"",
        )
    except ApiError:
        return None  # Django's view writes the error
    return answer


def with_entitlement_fast_path(django_application):
    def application(environ, start_response):
        try:
            body = cached_entitlement(environ)
        except Exception:  # the fast path must never be why a request fails
            logger.exception("entitlement fast path failed; Django answers instead")
            body = None
        if body is None:
            return django_application(environ, start_response)
        start_response("200 OK", [*HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    return application
