"""The public forms' per-address limits are shared by every server process: their counts
are in the "limits" cache, a table of the database (``accounts.RateLimitEntry``) or, with
REDIS_URL, Redis; never the process's own memory, where each gunicorn worker would allow
the limit again."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

from servicehall.accounts.models import RateLimitEntry
from servicehall.lib.ratelimit import AddressLimit

ADDRESS = "203.0.113.7"


def test_the_limits_cache_is_the_database_without_redis(settings):
    assert not settings.REDIS_URL
    assert isinstance(caches["limits"], DatabaseCache)
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.django_db
def test_counts_are_rows_another_process_reads():
    limit = AddressLimit("test-quota", limit=3, window=600)
    for _ in range(2):
        limit.count(ADDRESS)
    assert not limit.refused(ADDRESS)
    assert RateLimitEntry.objects.filter(cache_key__contains="test-quota").exists()

    # Another server process has a cache object of its own over the same table.
    other = DatabaseCache("accounts_ratelimitentry", {})
    assert other.get(f"limit:test-quota:{ADDRESS}") == 2
    other.incr(f"limit:test-quota:{ADDRESS}")

    assert limit.refused(ADDRESS)


@pytest.mark.django_db
def test_a_lockout_seen_by_every_process():
    limit = AddressLimit("test-lockout", limit=2, window=600, block=900)
    limit.count(ADDRESS)
    assert not limit.refused(ADDRESS)
    limit.count(ADDRESS)

    other = DatabaseCache("accounts_ratelimitentry", {})
    assert other.get(f"limit:test-lockout:{ADDRESS}:blocked") is True
    assert limit.refused(ADDRESS) and not limit.refused("203.0.113.8")


def test_with_redis_the_counts_are_in_redis():
    prefix = f"servicehall-test-{uuid.uuid4().hex}"
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": config, "limits": config}):
        cache = caches["limits"]
        assert isinstance(cache, RedisCache)
        limit = AddressLimit("test-redis", limit=2, window=60)
        try:
            limit.count(ADDRESS)
            limit.count(ADDRESS)
            assert limit.refused(ADDRESS)
            other = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": prefix})
            assert other.get(f"limit:test-redis:{ADDRESS}") == 2
        finally:
            cache.delete(f"limit:test-redis:{ADDRESS}")  # not clear(): it flushes the db
