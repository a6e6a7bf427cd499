"""One direct Redis client for the metering API's hot path: API keys and entitlement answers.

Django's cache builds a new redis client object on every call and pickles values; at thousands
of entitlement checks a second that was most of a request's cost. This keeps one client (with
its thread-safe connection pool) per process and stores JSON, which billing/api/fast.py sends
as it is. Same Redis and key prefix as the default cache, so tests and benches stay apart.

Redis is a cache here, never the truth: when it cannot be reached every read misses and every
write is skipped (after a short timeout, with a warning), so answers are computed from
PostgreSQL and purchases go on. Answers live at most entitlement.TTL (5 minutes), which bounds
how stale one can be if an invalidation was lost while Redis was unreachable but kept its data.
"""

import functools
import json
import logging

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CACHES["default"]["LOCATION"], socket_connect_timeout=0.25, socket_timeout=0.5
    )


def _degrades(default):
    """Redis unreachable: log it and carry on as a cache miss (or a skipped write)."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except redis.RedisError as error:
                logger.warning("hot store unavailable (%s): %s", function.__name__, error)
                return default

        return wrapper

    return decorate


def key(*parts) -> str:
    return ":".join([settings.CACHES["default"].get("KEY_PREFIX", ""), "hot", *map(str, parts)])


# One round trip for an entitlement check: the API key, the account's entitlement version and the
# answer stored under it (keys as built by key() and billing/services/entitlement.py).
_ENTITLEMENT_LOOKUP = """
local api_key = redis.call('GET', KEYS[1])
if not api_key then return false end
local decoded = cjson.decode(api_key)
-- "[]" is the cached answer for an unknown or revoked SecretId: Django refuses it.
if type(decoded[1]) ~= 'number' then return false end
local account = string.format('%d', decoded[1])
local version = redis.call('GET', ARGV[1] .. ':ent:v:' .. account) or '0'
local answer = redis.call('GET', ARGV[1] .. ':ent:' .. account .. ':' .. version .. ':' .. ARGV[2])
return {api_key, answer}
"""


@functools.cache
def _entitlement_script():
    return client().register_script(_ENTITLEMENT_LOOKUP)


@_degrades(None)
def entitlement_lookup(secret_id: str, product: str, public_id) -> tuple[int, str, bytes] | None:
    """(account_id, secret_key, answer JSON) if the API key and the answer are both cached."""
    found = _entitlement_script()(
        keys=[key("apikey", secret_id)], args=[key(), f"{product}:{public_id}"]
    )
    if not found or not found[1]:
        return None
    account_id, secret_key = json.loads(found[0])  # the script returns only live keys
    return account_id, secret_key, found[1]


@_degrades(None)
def get_raw(name: str) -> bytes | None:
    return client().get(name)


@_degrades(None)
def get_json(name: str):
    raw = client().get(name)
    return None if raw is None else json.loads(raw)


@_degrades(None)
def set_raw(name: str, value: bytes, timeout: int) -> None:
    client().set(name, value, ex=timeout)


@_degrades(None)
def set_json(name: str, value, timeout: int) -> bytes:
    raw = json.dumps(value).encode()
    client().set(name, raw, ex=timeout)
    return raw


@_degrades(0)
def get_int(name: str) -> int:
    return int(client().get(name) or 0)


@_degrades(0)
def incr(name: str) -> int:
    return client().incr(name)


@_degrades(None)
def delete(name: str) -> None:
    client().delete(name)
