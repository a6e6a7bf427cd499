"""Request signing for the metering API.

Headers: X-Secret-Id, X-Timestamp (Unix seconds), X-Signature =
hex(HMAC-SHA256(SecretKey, METHOD \\n PATH \\n TIMESTAMP \\n hex(SHA256(body)))).
A request more than 5 minutes old (or ahead), or with a bad signature, is refused.
"""

import hashlib
import hmac
import secrets
import time

from billing import hot_store
from billing.models import ApiKey

MAX_SKEW_SECONDS = 300


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
    cache_key = hot_store.key("apikey", secret_id)
    found = hot_store.get_json(cache_key)
    if found is None:
        row = (
            ApiKey.objects.filter(secret_id=secret_id, revoked_at__isnull=True)
            .values_list("account_id", "secret_key")
            .first()
        )
        found = list(row) if row else []
        hot_store.set_json(cache_key, found, 60)
    return tuple(found) if found else None


def forget_key(secret_id: str) -> None:
    hot_store.delete(hot_store.key("apikey", secret_id))


def authenticate(request) -> int:
    """The account id the request is signed for, or ApiError."""
    return verify(
        method=request.method,
        path=request.path,
        secret_id=request.headers.get("X-Secret-Id", ""),
        timestamp=request.headers.get("X-Timestamp", ""),
        signature=request.headers.get("X-Signature", ""),
        body=request.body,
    )


def verify(
    *, method: str, path: str, secret_id: str, timestamp: str, signature: str, body: bytes
) -> int:
    key = _key(secret_id) if secret_id else None
    check_signature(
        key=key, method=method, path=path, timestamp=timestamp, signature=signature, body=body
    )
    return key[0]


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
    if not (isinstance(timestamp, str) and timestamp.isascii() and timestamp.isdigit()):
        raise ApiError(401, "AuthFailure.MissingTimestamp", "X-Timestamp must be Unix seconds")
    if len(timestamp) > 12:  # far outside any clock; also keeps int() and time maths bounded
        raise ApiError(401, "AuthFailure.RequestExpired", "the request is older than 5 minutes")
    timestamp = int(timestamp)
    if abs(time.time() - timestamp) > MAX_SKEW_SECONDS:
        raise ApiError(401, "AuthFailure.RequestExpired", "the request is older than 5 minutes")
    if key is None:
        raise ApiError(401, "AuthFailure.SecretIdNotFound", "unknown or revoked SecretId")
    expected = sign(secret_key=key[1], method=method, path=path, timestamp=timestamp, body=body)
    # compare_digest takes ASCII str only; a header with other characters cannot match anyway.
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        raise ApiError(401, "AuthFailure.SignatureFailure", "the signature does not match")
