"""``/sante/``: is this instance able to serve? Docker's healthcheck and a supervisor ask it.

Rules: answers 200 when the database answers a query, the cache stores and reads back a
value and the broker (Redis) accepts a connection; 503 otherwise, naming what failed. It
shows nothing else (no version, no figures), needs no login and is never cached."""

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key, value = f"passnum:health:{secrets.token_hex(4)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value stored")
    cache.delete(key)


def _broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as broker:
        broker.ensure_connection(max_retries=1, timeout=3)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def health(request):
    results, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure makes the instance unhealthy, whatever it is
            logger.exception("health check %s failed", name)
            results[name] = "en échec"
            healthy = False
    return JsonResponse(results, status=200 if healthy else 503)
