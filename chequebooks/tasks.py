"""Celery tasks of the cheque stock: they take ids and call a service."""

from celery import shared_task


@shared_task(name="chequebooks.tasks.print_run_render_task")
def print_run_render_task(print_run_id: int) -> None:
    from .models import PrintRun
    from .services import print_run_render

    run = PrintRun.objects.select_related("vintage", "envelope").get(pk=print_run_id)
    # The service claims the run (pending → running) and leaves any other run alone.
    print_run_render(print_run=run)


@shared_task(name="chequebooks.tasks.vintage_end_run")
def vintage_end_run() -> dict:
    """Daily (beat): D-30 alert, D-15 freeze, expiry after 31 January N+1. Idempotent."""
    from .services import vintage_end_run as run

    return run()
