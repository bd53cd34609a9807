"""Appointments at referral (issue 14, item 1): a place's slots and closures, booking in step
4 (still four submissions), the sheet, the mediator's day list, held = first session, missed
and rebooked, capacity under concurrency."""

import datetime
import html
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from orientation.models import Appointment, AppointmentState, Referral, ReferralState
from orientation.selectors import places_free_occurrences
from orientation.services import (
    appointment_book,
    appointment_held,
    appointment_missed,
    appointment_rebook,
    referral_create_with_appointment,
)
from passnum.audit.models import JournalEntry
from passnum.directory.availability import place_closure_add
from passnum.directory.models import PlaceSlot
from tests.factories import (
    BeneficiaryFactory,
    QualifiedPlaceFactory,
    ReferralFactory,
    evaluator_membership,
    mediator_membership,
    place_with_slot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def freezer():
    with freeze_time(timezone.now()) as frozen:
        yield frozen


def next_weekday(weekday: int, *, after: datetime.date | None = None) -> datetime.date:
    """The next ``weekday`` strictly after ``after`` (default today)."""
    day = (after or timezone.localdate()) + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def _referral(place, **kwargs):
    desk_agent = evaluator_membership()
    person = BeneficiaryFactory(registered_by_organisation=desk_agent.organisation)
    referral = ReferralFactory(
        beneficiary=person,
        place=place,
        mediator=place.organisation,
        from_organisation=desk_agent.organisation,
        **kwargs,
    )
    return referral, desk_agent


def test_a_place_without_appointments_offers_no_slot():
    place, slot = place_with_slot(weekday=1)
    place.takes_appointments = False
    place.save()
    assert places_free_occurrences([place]) == {}
    referral, agent = _referral(place)
    with pytest.raises(ValidationError, match="ne prend pas de rendez-vous"):
        appointment_book(referral=referral, slot_id=slot.pk, day=next_weekday(1), membership=agent)


def test_free_occurrences_leave_out_closures_and_full_slots():
    place, slot = place_with_slot(weekday=2, capacity=1)
    admin = mediator_membership(organisation=place.organisation)
    first, second = next_weekday(2), next_weekday(2, after=next_weekday(2))
    place_closure_add(place=place, membership=admin, start_date=first, end_date=first)
    days = [o.day for o, _ in places_free_occurrences([place])[place.pk]]
    assert first not in days and second in days
    referral, agent = _referral(place)
    appointment_book(referral=referral, slot_id=slot.pk, day=second, membership=agent)
    days = [o.day for o, _ in places_free_occurrences([place])[place.pk]]
    assert second not in days


def test_a_slot_refuses_beyond_its_capacity_and_closed_or_wrong_days():
    place, slot = place_with_slot(weekday=3, capacity=2)
    day = next_weekday(3)
    for _ in range(2):
        referral, agent = _referral(place)
        appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    referral, agent = _referral(place)
    with pytest.raises(ValidationError, match="complet"):
        appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    with pytest.raises(ValidationError, match="n'existe pas ce jour"):
        appointment_book(
            referral=referral,
            slot_id=slot.pk,
            day=day + datetime.timedelta(days=1),
            membership=agent,
        )
    assert Appointment.objects.count() == 2


def test_only_the_referring_desk_books_and_one_booked_appointment_per_referral():
    place, slot = place_with_slot(weekday=4, capacity=3)
    referral, agent = _referral(place)
    with pytest.raises(ValidationError, match="Seul l'accueil"):
        appointment_book(
            referral=referral,
            slot_id=slot.pk,
            day=next_weekday(4),
            membership=evaluator_membership(),
        )
    appointment_book(referral=referral, slot_id=slot.pk, day=next_weekday(4), membership=agent)
    with pytest.raises(ValidationError, match="déjà pris"):
        appointment_book(referral=referral, slot_id=slot.pk, day=next_weekday(4), membership=agent)


def test_a_full_slot_at_referral_leaves_no_referral_behind():
    place, slot = place_with_slot(weekday=0, capacity=1)
    day = next_weekday(0)
    referral, agent = _referral(place)
    appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    person = BeneficiaryFactory(registered_by_organisation=agent.organisation)
    before = Referral.objects.count()
    with pytest.raises(ValidationError):
        referral_create_with_appointment(
            beneficiary=person, place=place, membership=agent, slot_id=slot.pk, day=day
        )
    assert Referral.objects.count() == before


def test_held_is_the_first_session_and_missed_can_be_rebooked(freezer):
    place, slot = place_with_slot(weekday=1, capacity=1)
    referral, agent = _referral(place)
    day = next_weekday(1)
    appointment = appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    mediator = mediator_membership(organisation=place.organisation)
    with pytest.raises(ValidationError, match="pas encore eu lieu"):
        appointment_held(appointment=appointment, membership=mediator)
    with pytest.raises(ValidationError, match="pas à votre structure"):
        freezer.move_to(timezone.localtime(appointment.starts_at))
        appointment_held(appointment=appointment, membership=mediator_membership())
    appointment_missed(appointment=appointment, membership=mediator)
    assert appointment.state == AppointmentState.MISSED
    referral.refresh_from_db()
    assert referral.state == ReferralState.PROPOSED
    again = appointment_rebook(
        referral=referral, slot_id=slot.pk, day=next_weekday(1, after=day), membership=agent
    )
    assert again.rebooks == appointment
    freezer.move_to(timezone.localtime(again.starts_at))
    appointment_held(appointment=again, membership=mediator)
    referral.refresh_from_db()
    assert referral.state == ReferralState.FIRST_SESSION
    codes = set(
        JournalEntry.objects.filter(action__startswith="orientation.appointment.").values_list(
            "action", flat=True
        )
    )
    assert codes == {
        "orientation.appointment.booked",
        "orientation.appointment.missed",
        "orientation.appointment.rebooked",
        "orientation.appointment.held",
    }


def test_rebooking_a_booked_appointment_replaces_it_and_frees_its_seat():
    place, slot = place_with_slot(weekday=2, capacity=1)
    referral, agent = _referral(place)
    day = next_weekday(2)
    first = appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    second = appointment_rebook(
        referral=referral, slot_id=slot.pk, day=next_weekday(2, after=day), membership=agent
    )
    first.refresh_from_db()
    assert first.state == AppointmentState.CANCELLED and second.rebooks == first
    other, other_agent = _referral(place)
    appointment_book(referral=other, slot_id=slot.pk, day=day, membership=other_agent)


def test_step_4_books_a_slot_in_the_same_submission_and_the_sheet_prints_it(
    world, login, django_capture_on_commit_callbacks
):
    slot = PlaceSlot.objects.create(
        place=world.place_near, weekday=next_weekday(1).weekday(), start_time=datetime.time(14)
    )
    world.place_near.takes_appointments = True
    world.place_near.save()
    person = BeneficiaryFactory(
        registered_by_organisation=world.desk, commune=world.rodez, target_public=world.public
    )
    client = login(world.agent)
    url = reverse("orientation:flow_refer", args=[person.pk])
    page = client.get(url).content.decode()
    value = f"{slot.pk}:{next_weekday(1).isoformat()}"
    assert value in page and "Rendez-vous avec la personne (facultatif)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url + "?service=tous",
            {"place": world.place_near.pk, f"slot-{world.place_near.pk}": value},
        )
    referral = Referral.objects.get(beneficiary=person)
    assert response.url == reverse("orientation:flow_done", args=[referral.pk])
    appointment = referral.appointments.get()
    assert timezone.localtime(appointment.starts_at).hour == 14
    pdf = client.get(reverse("orientation:referral_sheet", args=[referral.pk])).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Votre rendez-vous" in text and "14 h 00" in text and "pièce d'identité" in text


def test_step_4_with_a_full_slot_says_so_next_to_the_slot(world, login):
    slot = PlaceSlot.objects.create(
        place=world.place_near, weekday=next_weekday(1).weekday(), start_time=datetime.time(9)
    )
    world.place_near.takes_appointments = True
    world.place_near.save()
    person = BeneficiaryFactory(
        registered_by_organisation=world.desk, commune=world.rodez, target_public=world.public
    )
    client = login(world.agent)
    url = reverse("orientation:flow_refer", args=[person.pk]) + "?service=tous"
    response = client.post(
        url, {"place": world.place_near.pk, f"slot-{world.place_near.pk}": f"{slot.pk}:2001-01-01"}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f'id="slot-{world.place_near.pk}-errors"' in page
    assert "n'existe pas ce jour" in page or "passé" in page
    assert not Referral.objects.filter(beneficiary=person).exists()


def test_mediators_day_list_shows_its_appointments_only_and_marks_held(
    login, django_assert_max_num_queries, freezer
):
    place, slot = place_with_slot(weekday=3, capacity=5)
    day = next_weekday(3)
    referrals = []
    for _ in range(3):
        referral, agent = _referral(place)
        appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
        referrals.append(referral)
    other_place, other_slot = place_with_slot(weekday=3)
    hidden, other_agent = _referral(other_place)
    appointment_book(referral=hidden, slot_id=other_slot.pk, day=day, membership=other_agent)
    mediator = mediator_membership(organisation=place.organisation, role="mediator")
    freezer.move_to(
        datetime.datetime.combine(day, datetime.time(18), tzinfo=timezone.get_current_timezone())
    )
    client = login(mediator)
    url = reverse("orientation:appointment_list") + f"?jour={day.isoformat()}"
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    for referral in referrals:
        assert str(referral.beneficiary) in page
    assert str(hidden.beneficiary) not in page
    week = client.get(url + "&vue=semaine").content.decode()
    assert str(referrals[0].beneficiary) in week
    appointment = referrals[0].appointments.get()
    client.post(reverse("orientation:appointment_mark", args=[appointment.pk]), {"action": "held"})
    referrals[0].refresh_from_db()
    assert referrals[0].state == ReferralState.FIRST_SESSION
    # Another mediator's appointment: 404
    hidden_appointment = hidden.appointments.get()
    response = client.post(
        reverse("orientation:appointment_mark", args=[hidden_appointment.pk]), {"action": "held"}
    )
    assert response.status_code == 404


def test_desk_rebooks_from_its_page_and_other_desks_get_404(login):
    place, slot = place_with_slot(weekday=4, capacity=1)
    referral, agent = _referral(place)
    client = login(agent)
    url = reverse("orientation:referral_appointment", args=[referral.pk])
    value = f"{slot.pk}:{next_weekday(4).isoformat()}"
    assert value in client.get(url).content.decode()
    assert client.post(url, {"slot": "n'importe quoi"}).status_code == 400
    response = client.post(url, {"slot": value})
    assert response.status_code == 302
    assert referral.appointments.filter(state=AppointmentState.BOOKED).count() == 1
    other = login(evaluator_membership())
    assert other.get(url).status_code == 404


def test_mediator_admin_edits_slots_and_closures(login):
    place = QualifiedPlaceFactory()
    admin = mediator_membership(organisation=place.organisation)
    client = login(admin)
    url = reverse("mediation:place_availability", args=[place.pk])
    client.post(url, {"action": "toggle", "takes_appointments": "on"})
    client.post(
        url,
        {
            "action": "add_slot",
            "weekday": "1",
            "start_time": "10:00",
            "duration_minutes": "45",
            "capacity": "2",
        },
    )
    response = client.post(
        url,
        {
            "action": "add_slot",
            "weekday": "1",
            "start_time": "10:00",
            "duration_minutes": "0",
            "capacity": "0",
        },
    )
    assert "de 5 à 480 minutes" in response.content.decode()
    response = client.post(
        url, {"action": "add_closure", "start_date": "2030-05-10", "end_date": "2030-05-01"}
    )
    assert "précède son début" in response.content.decode()
    place.refresh_from_db()
    assert place.takes_appointments
    assert list(place.slots.values_list("duration_minutes", "capacity")) == [(45, 2)]
    assert login(mediator_membership()).get(url).status_code == 404
    assert client.post(url, {"action": "remove_slot", "id": "x"}).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_the_last_seat_at_once_one_gets_it():
    place, slot = place_with_slot(weekday=2, capacity=1)
    day = next_weekday(2)
    pairs = [_referral(place) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def run(referral, agent):
        try:
            barrier.wait()
            appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full", "ok"]
    assert Appointment.objects.filter(slot=slot).count() == 1


def test_a_declined_referral_frees_its_seat():
    from orientation.services import referral_decline

    place, slot = place_with_slot(weekday=1, capacity=1)
    referral, agent = _referral(place)
    day = next_weekday(1)
    appointment = appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    referral_decline(
        referral=referral,
        membership=mediator_membership(organisation=place.organisation),
        reason="Complet",
    )
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    other, other_agent = _referral(place)
    appointment_book(referral=other, slot_id=slot.pk, day=day, membership=other_agent)


def test_the_right_of_access_export_lists_appointments_and_reminders():
    from orientation.services import beneficiary_export

    place, slot = place_with_slot(weekday=2)
    referral, agent = _referral(place)
    appointment_book(referral=referral, slot_id=slot.pk, day=next_weekday(2), membership=agent)
    data = beneficiary_export(beneficiary=referral.beneficiary, membership=agent)
    assert data["rendez_vous"][0]["lieu"] == place.name
    assert data["rappels"] == []


def test_the_mediator_sees_the_appointment_on_the_referral_page(login):
    place, slot = place_with_slot(weekday=3)
    referral, agent = _referral(place)
    appointment_book(referral=referral, slot_id=slot.pk, day=next_weekday(3), membership=agent)
    client = login(mediator_membership(organisation=place.organisation))
    page = client.get(reverse("orientation:mediator_referral", args=[referral.pk])).content
    assert "14:00" in page.decode() and "réservé" in page.decode()


def test_a_garbled_day_shows_today_rather_than_an_error(login):
    client = login(mediator_membership())
    url = reverse("orientation:appointment_list")
    assert client.get(url + "?jour=31-02-zz&vue=semaine").status_code == 200
    assert login(evaluator_membership()).get(url).status_code == 404
