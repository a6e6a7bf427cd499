"""Request signing for the metering API.

Headers: X-Secret-Id, X-Timestamp (Unix seconds), X-Signature =
hex(HMAC-SHA256(SecretKey, METHOD \\n PATH \\n TIMESTAMP \\n hex(SHA256(body)))),
where PATH includes the query string as sent (`/api/v1/x?a=1`), so a query cannot be changed.
A request more than 5 minutes old (or ahead), or with a bad signature, is refused; the
timestamp is checked before any key lookup, so stale or forged requests cost no database or
cache work.
"""

import hashlib
import hmac
import re
import secrets
import time

from billing import hot_store
from billing.models import ApiKey

MAX_SKEW_SECONDS = 300
SECRET_ID = re.compile(r"AKID[0-9A-F]{32}")
# Unknown SecretIds are remembered in a fixed number of slots, so probing with random ids can
# neither grow Redis nor reach PostgreSQL more than once per slot and minute.
MISS_SLOTS = 1024
MISS_SECONDS = 60


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def sign(*, secret_key: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    message = "\n".join([method.upper(), path, str(timestamp), hashlib.sha256(body).hexdigest()])
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_key_pair() -> tuple[str, str]:
    return f"AKID{secrets.token_hex(16).upper()}", secrets.token_urlsafe(32)


def _key(secret_id: str) -> tuple[int, str] | None:
    """(account_id, secret_key) of a live key; cached, and dropped from the cache on revoke."""
    if not SECRET_ID.fullmatch(secret_id):
        return None  # not one we could have issued: no lookup at all
    cache_key = hot_store.key("apikey", secret_id)
    found = hot_store.get_json(cache_key)
    if found:
        return tuple(found)
    miss_slot = hot_store.key(
        "apikey-miss", int(hashlib.sha256(secret_id.encode()).hexdigest()[:8], 16) % MISS_SLOTS
    )
    if hot_store.get_raw(miss_slot) == secret_id.encode():
        return None
    row = (
        ApiKey.objects.filter(secret_id=secret_id, revoked_at__isnull=True)
        .values_list("account_id", "secret_key")
        .first()
    )
    if row is None:
        hot_store.set_raw(miss_slot, secret_id.encode(), MISS_SECONDS)
        return None
    hot_store.set_json(cache_key, list(row), 60)
    return tuple(row)


def forget_key(secret_id: str) -> None:
    hot_store.delete(hot_store.key("apikey", secret_id))


def signed_path(path: str, query_string: str) -> str:
    return f"{path}?{query_string}" if query_string else path


def authenticate(request) -> int:
    """The account id the request is signed for, or ApiError."""
    return verify(
        method=request.method,
        path=signed_path(request.path, request.META.get("QUERY_STRING", "")),
        secret_id=request.headers.get("X-Secret-Id", ""),
        timestamp=request.headers.get("X-Timestamp", ""),
        signature=request.headers.get("X-Signature", ""),
        body=request.body,
    )


def verify(
    *, method: str, path: str, secret_id: str, timestamp: str, signature: str, body: bytes
) -> int:
    check_fresh(timestamp)
    key = _key(secret_id) if secret_id else None
    check_signature(
        key=key, method=method, path=path, timestamp=timestamp, signature=signature, body=body
    )
    return key[0]


def check_fresh(timestamp: str) -> int:
    """The timestamp as an int, or ApiError if it is missing or more than 5 minutes off."""
    if not (isinstance(timestamp, str) and timestamp.isascii() and timestamp.isdigit()):
        raise ApiError(401, "AuthFailure.MissingTimestamp", "X-Timestamp must be Unix seconds")
    if len(timestamp) > 12:  # far outside any clock; also keeps int() and time maths bounded
        raise ApiError(401, "AuthFailure.RequestExpired", "the request is older than 5 minutes")
    seconds = int(timestamp)
    if abs(time.time() - seconds) > MAX_SKEW_SECONDS:
        raise ApiError(401, "AuthFailure.RequestExpired", "the request is older than 5 minutes")
    return seconds


def check_signature(
    *,
    key: tuple[int, str] | None,
    method: str,
    path: str,
    timestamp: str,
    signature: str,
    body: bytes,
) -> None:
    """ApiError unless the request is fresh and signed with the key's secret."""
    timestamp = check_fresh(timestamp)
    if key is None:
        raise ApiError(401, "AuthFailure.SecretIdNotFound", "unknown or revoked SecretId")
    expected = sign(secret_key=key[1], method=method, path=path, timestamp=timestamp, body=body)
    # compare_digest takes ASCII str only; a header with other characters cannot match anyway.
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        raise ApiError(401, "AuthFailure.SignatureFailure", "the signature does not match")
