"""Reminders (a front desk, a referral's mediator): once a day under concurrency, and only to
active people with an address."""

import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from passnum.audit.models import JournalEntry
from passnum.organisations.models import Membership
from reporting.services import front_desk_remind, reminder_recipients
from tests.factories import (
    FrontDeskFactory,
    MembershipFactory,
    evaluator_membership,
    manager_membership,
)


@pytest.mark.django_db
def test_a_reminder_goes_only_to_active_members_with_an_address(
    django_capture_on_commit_callbacks,
):
    desk = FrontDeskFactory()
    active = evaluator_membership(organisation=desk)
    MembershipFactory(organisation=desk, is_active=False, deactivated_at=timezone.now())
    gone = evaluator_membership(organisation=desk)
    gone.user.is_active = False
    gone.user.save()
    blank = evaluator_membership(organisation=desk)
    type(blank.user).objects.filter(pk=blank.user.pk).update(email="")
    assert reminder_recipients(desk) == [active.user.email]
    with django_capture_on_commit_callbacks(execute=True):
        front_desk_remind(
            organisation=desk, membership=manager_membership(), topic="not_started", count=2
        )
    assert [m.to for m in mail.outbox] == [[active.user.email]]
    assert Membership.objects.filter(organisation=desk).count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reminders_at_once_send_one(reference_data):
    """A double click: two requests remind the same desk at the same instant; the desk's row
    lock lets one through, the other is refused, and one e-mail leaves."""
    desk = FrontDeskFactory()
    member = evaluator_membership(organisation=desk)
    managers = [manager_membership(), manager_membership()]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def remind(manager):
        try:
            barrier.wait()
            front_desk_remind(organisation=desk, membership=manager, topic="expiring", count=1)
            outcomes.append("sent")
        except ValidationError as exc:  # which refusal: the once-a-day rule's
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=remind, args=(m,)) for m in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == [
        "Cet accueil a déjà été relancé dans les dernières 24 heures.",
        "sent",
    ]
    assert JournalEntry.objects.filter(action="reporting.front_desk.reminded").count() == 1
    assert [m.to for m in mail.outbox] == [[member.user.email]]
