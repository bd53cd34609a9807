"""Settings of the benchmarks that start their own Celery worker (print_run_bench.py,
busy_day.py): the project's settings, with the benchmark's own queue (BENCH_CELERY_QUEUE),
so two benchmarks sharing one Redis never take, or purge, each other's tasks."""

import os

from passnum.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_CELERY_QUEUE"]
