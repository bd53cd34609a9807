from celery import shared_task

from . import services
from .models import Agreement, Statement


@shared_task(name="mediation.tasks.statements_issue_monthly")
def statements_issue_monthly():
    """Beat, on the 1st: issue the statements of the month before (idempotent). Returns the
    ids issued and the names of the mediators held back (bank details to re-validate)."""
    run = services.statements_issue_previous_month()
    return {"issued": [s.pk for s in run.issued], "held": run.held}


@shared_task(name="mediation.tasks.statement_render", acks_late=True)
def statement_render(statement_id: int) -> None:
    """Render a statement's PDF once (queued at issue; a rerun leaves a rendered one alone)."""
    services.statement_render(Statement.objects.select_related("mediator").get(pk=statement_id))


@shared_task(name="mediation.tasks.agreement_render", acks_late=True)
def agreement_render(agreement_id: int) -> None:
    """Render an agreement's PDF once (queued at creation)."""
    services.agreement_render(Agreement.objects.select_related("mediator").get(pk=agreement_id))


@shared_task(name="mediation.tasks.pdfs_render_missing")
def pdfs_render_missing_run() -> int:
    """Beat, daily: queue again the statements and agreements whose PDF is missing."""
    return services.pdfs_render_missing()
