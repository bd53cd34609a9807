from celery import shared_task

from .services import statements_issue_previous_month


@shared_task(name="mediation.tasks.statements_issue_monthly")
def statements_issue_monthly():
    """Beat, on the 1st: issue the statements of the month before (idempotent). Returns the
    ids issued and the names of the mediators held back (bank details to re-validate)."""
    run = statements_issue_previous_month()
    return {"issued": [s.pk for s in run.issued], "held": run.held}
