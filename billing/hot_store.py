"""One direct Redis client for the metering API's hot path: API keys and entitlement answers.

Django's cache builds a new redis client object on every call and pickles values; at thousands
of entitlement checks a second that was most of a request's cost. This keeps one client (with
its thread-safe connection pool) per process and stores JSON, which billing/api/fast.py sends
as it is. Same Redis and key prefix as the default cache, so tests and benches stay apart.
"""

import functools
import json

import redis
from django.conf import settings


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


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


def entitlement_lookup(secret_id: str, product: str, public_id) -> tuple[int, str, bytes] | None:
    """(account_id, secret_key, answer JSON) if the API key and the answer are both cached."""
    found = _entitlement_script()(
        keys=[key("apikey", secret_id)], args=[key(), f"{product}:{public_id}"]
    )
    if not found or not found[1]:
        return None
    account_id, secret_key = json.loads(found[0])  # the script returns only live keys
    return account_id, secret_key, found[1]


def get_raw(name: str) -> bytes | None:
    return client().get(name)


def get_json(name: str):
    raw = client().get(name)
    return None if raw is None else json.loads(raw)


def set_raw(name: str, value: bytes, timeout: int) -> None:
    client().set(name, value, ex=timeout)


def set_json(name: str, value, timeout: int) -> bytes:
    raw = json.dumps(value).encode()
    client().set(name, raw, ex=timeout)
    return raw


def get_int(name: str) -> int:
    return int(client().get(name) or 0)


def incr(name: str) -> int:
    return client().incr(name)


def delete(name: str) -> None:
    client().delete(name)
