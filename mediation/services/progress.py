"""Progress at each session: the person's autonomy at the end of it and what comes next,
recorded on the activity (optional). Reporting turns it into "people whose level rose" and the
impact per euro (``reporting.selectors.impact``)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from passnum.directory.services import NOT_THIS_MEDIATOR
from passnum.organisations.roles import is_mediator_member

from .. import journal
from ..models import Activity, NextStep, ProgressLevel


def activity_progress_record(
    *, activity: Activity, membership, progress_level: str = "", next_step: str = ""
) -> Activity:
    """Rule: a member of the mediator that recorded the activity notes, optionally, the
    person's autonomy at the end of the session (``ProgressLevel``: with guidance, autonomous
    with guidance if needed, autonomous) and the next step (``NextStep``: another session,
    autonomous, referred elsewhere); it can be corrected later. Journaled."""
    if not is_mediator_member(membership, activity.mediator):
        raise ValidationError(NOT_THIS_MEDIATOR)
    errors = {}
    if progress_level and progress_level not in ProgressLevel.values:
        errors["progress_level"] = "Niveau d'autonomie inconnu."
    if next_step and next_step not in NextStep.values:
        errors["next_step"] = "Suite inconnue."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity.progress_level = progress_level or ""
        activity.next_step = next_step or ""
        activity.save(update_fields=["progress_level", "next_step"])
        journal.ACTIVITY_PROGRESS_RECORDED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=activity,
            level=activity.get_progress_level_display() or "non noté",
            next_step=activity.get_next_step_display() or "non notée",
        )
    return activity
