from celery import shared_task


@shared_task(name="mediation.tasks.statements_issue_monthly")
def statements_issue_monthly():
    """Beat, on the 1st: issue the statements of the month before (idempotent)."""
    from .services import statements_issue_previous_month

    return [s.pk for s in statements_issue_previous_month()]
