"""Activities: what a mediator did with one person or a group, with or without cheques, and
the referral it answers."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orientation.models import OPEN_REFERRAL_STATES
from orientation.services import referral_first_session_held
from passnum.directory.services import NOT_THIS_MEDIATOR
from passnum.organisations.roles import is_mediator_member

from .. import journal
from ..models import Activity
from ..selectors import participants_open_for, referrals_open_for

#: How long an activity lasts, in minutes (the form's bounds come from here too).
ACTIVITY_MINUTES_MIN = 1
ACTIVITY_MINUTES_MAX = 600


def activity_duration_error(minutes) -> str | None:
    """Rule: an activity (with or without cheques) lasts at least ACTIVITY_MINUTES_MIN minute
    and at most ACTIVITY_MINUTES_MAX minutes (a long day); the database refuses 0 too
    (constraint activity_has_duration). Returns the message shown next to the field, or None."""
    if not minutes or minutes < ACTIVITY_MINUTES_MIN:
        return "Indiquez une durée d'au moins une minute."
    if minutes > ACTIVITY_MINUTES_MAX:
        return f"Une activité dure au plus {ACTIVITY_MINUTES_MAX} minutes (10 heures)."
    return None


def activity_errors(*, date, duration_minutes, kind, today=None) -> dict:
    """Rule: an activity (with or without cheques) is of a known kind, is not dated in the
    future (Europe/Paris) and lasts as activity_duration_error says. Returns the messages by
    field, empty when it is valid. The redemption page and the activity page both ask here."""
    errors = {}
    if date > (today or timezone.localdate()):
        errors["date"] = "L'activité ne peut pas être datée dans le futur."
    if duration_error := activity_duration_error(duration_minutes):
        errors["duration_minutes"] = duration_error
    if kind not in Activity.Kind.values:
        errors["kind"] = "Type d'activité inconnu."
    return errors


def activity_date_cheques_error(date, cheques) -> str | None:
    """Rule: an activity paid with cheques is not dated before the validity of its cheques'
    vintage starts, nor before the day (Europe/Paris) their chequebook was handed out: the
    person could not have brought them. Returns the message shown next to the date, or None.
    ``cheques``: read with their chequebook and vintage."""
    floor, why = None, ""
    for cheque in cheques:
        chequebook = cheque.chequebook
        starts = chequebook.vintage.valid_from
        if floor is None or starts > floor:
            floor, why = starts, f"le millésime {chequebook.vintage.year} commence ce jour-là"
        if chequebook.handed_out_at is not None:
            handed = timezone.localdate(chequebook.handed_out_at)
            if handed > floor:
                floor, why = handed, f"le chéquier {chequebook.number} a été remis ce jour-là"
    if floor is not None and date < floor:
        return f"L'activité ne peut pas être datée avant le {floor:%d/%m/%Y} : {why}."
    return None


def activity_create(
    *, organisation, user, kind, date, duration_minutes, themes, referral, place, notes, people
) -> Activity:
    """Write an activity already checked (activity_errors) and its participants."""
    activity = Activity.objects.create(
        mediator=organisation,
        place=place,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        themes=list(themes or []),
        referral=referral,
        notes=notes,
        created_by=user,
    )
    activity.participants.add(*people)
    return activity


def referral_refusal(referral, membership) -> str | None:
    """Rule: an activity answers only a referral of selectors.referrals_open_for (addressed to
    this mediator and still open), the same list the forms offer. Returns the message that
    forbids it, or None."""
    if referral.mediator_id != membership.organisation_id:
        return "Cette orientation n'est pas adressée à votre structure."
    if not referrals_open_for(membership).filter(pk=referral.pk).exists():
        return (
            "Cette orientation est close (déclinée, sans suite ou terminée) : "
            "choisissez-en une autre."
        )
    return None


def referral_answered(referral, membership) -> None:
    """Tell orientation that the referral's first session was held (their service)."""
    if referral.state not in OPEN_REFERRAL_STATES:
        return
    referral_first_session_held(referral=referral, membership=membership)


def activity_record(
    *,
    membership,
    kind,
    date,
    duration_minutes,
    themes,
    participants=(),
    referral=None,
    place=None,
    notes="",
) -> Activity:
    """Record an activity without cheques (e.g. a follow-up session). Same rules as the
    activity of a redemption: the referral must be addressed to this mediator and still open
    (referral_refusal: not declined, lapsed or completed), and answering it moves it to "first
    session held". It is valid as activity_errors says (kind, not in the future, duration);
    its participants (several for a workshop) are selectors.participants_open_for: people it
    may still see or whose cheques it redeemed, never anonymised; the referral's person is
    added to them."""
    organisation = membership.organisation
    if not is_mediator_member(membership, organisation):
        raise ValidationError(NOT_THIS_MEDIATOR)
    errors = activity_errors(date=date, duration_minutes=duration_minutes, kind=kind)
    if referral is not None and (refusal := referral_refusal(referral, membership)):
        errors["referral"] = refusal
    participants = list(participants)
    if participants:
        allowed = set(
            participants_open_for(membership)
            .filter(pk__in=[p.pk for p in participants])
            .values_list("pk", flat=True)
        )
        if any(p.pk not in allowed for p in participants):
            errors["participants"] = (
                "Seules les personnes orientées vers votre structure ou dont vous avez encaissé "
                "des chèques peuvent participer."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        people = list(participants)
        if referral is not None and referral.beneficiary not in people:
            people.append(referral.beneficiary)
        activity = activity_create(
            organisation=organisation,
            user=membership.user,
            kind=kind,
            date=date,
            duration_minutes=duration_minutes,
            themes=themes,
            referral=referral,
            place=place,
            notes=notes,
            people=people,
        )
        journal.ACTIVITY_RECORDED.record(
            actor=membership.user,
            organisation=organisation,
            target=activity,
            kind=activity.get_kind_display(),
        )
        if referral is not None:
            referral_answered(referral, membership)
    return activity
