"""Celery tasks of the cheque stock: they take ids and call a service."""

from celery import shared_task

from .models import PrintRun
from .services.print_runs import print_run_chunk_render, print_run_render
from .services.vintage_end import vintage_end_run as vintage_end_run_service


@shared_task(name="chequebooks.tasks.print_run_render_task")
def print_run_render_task(print_run_id: int) -> None:
    run = PrintRun.objects.select_related("vintage", "envelope").get(pk=print_run_id)
    # The service claims the run (pending → running) and leaves any other run alone.
    print_run_render(print_run=run)


@shared_task(name="chequebooks.tasks.print_run_chunk_task")
def print_run_chunk_task(part_id: int) -> None:
    # One chunk of a run; the service claims it and leaves a chunk already taken alone; the
    # last chunk done merges the file.
    print_run_chunk_render(part_id=part_id)


@shared_task(name="chequebooks.tasks.vintage_end_run")
def vintage_end_run() -> dict:
    """Daily (beat): D-30 alert, D-15 freeze, expiry after 31 January N+1. Idempotent."""
    return vintage_end_run_service()
