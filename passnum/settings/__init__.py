"""Default settings: the embedded configuration (SQLite, in-process tasks).

Set DATABASE_URL and REDIS_URL to run on PostgreSQL with a Celery worker.
Production uses ``passnum.settings.production``.
"""

from .base import *  # noqa: F403
from .base import CELERY_BEAT_SCHEDULE, PASSNUM_BEAT_TIMES, beat_schedule_with_times

# Issue 10: beat's times overridable (after every app added its entries to base).
CELERY_BEAT_SCHEDULE = beat_schedule_with_times(CELERY_BEAT_SCHEDULE, PASSNUM_BEAT_TIMES)
