"""Issue 14 in the figures: the referrals' funnel with appointments, missed appointments on the
radar (rebook, remind the person), progress at each session and the impact per 1,000 € paid,
hand-computed on a small programme."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from mediation.models import Activity, StatementStatus
from mediation.services import activity_progress_record
from orientation.models import AppointmentState, Reminder
from orientation.services import appointment_book, appointment_missed, appointment_rebook
from passnum.audit.models import JournalEntry
from passnum.programme.models import Envelope
from passnum.territory.models import Side
from reporting.selectors import (
    Filters,
    impact_figures,
    radar_missed_appointments,
    referral_funnel,
)
from reporting.summaries import summaries_refresh
from tests.factories import (
    ActivityFactory,
    BeneficiaryFactory,
    HandedOutChequebookFactory,
    MediatorOrganisationFactory,
    ReferralFactory,
    StatementFactory,
    VintageFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
    place_with_slot,
    redemption_create,
)

pytestmark = pytest.mark.django_db


def _sessions(person, mediator, *steps):
    """One activity per step (level, next step), a day apart, the person taking part."""
    for offset, (level, next_step) in enumerate(steps):
        activity = ActivityFactory(
            mediator=mediator,
            date=timezone.localdate() - datetime.timedelta(days=10 - offset),
            progress_level=level,
            next_step=next_step,
        )
        activity.participants.add(person)


def test_impact_per_thousand_euros_hand_computed(reference_data):
    vintage = VintageFactory(programme=reference_data)
    assert vintage.mediator_net_cents == 960
    cd12 = Envelope.objects.get(side=Side.CD12)
    env_a = Envelope.objects.filter(side=Side.EPCI).select_related("epci").first()
    mediator = MediatorOrganisationFactory()
    paid = StatementFactory(
        mediator=mediator, status=StatementStatus.PAID, paid_at=timezone.localdate()
    )
    issued = StatementFactory(mediator=mediator, status=StatementStatus.ISSUED)
    people = {}
    for name, envelope, redeemed in (
        ("A", cd12, 3),
        ("B", cd12, 2),
        ("C", env_a, 5),
        ("D", cd12, 0),
    ):
        chequebook = HandedOutChequebookFactory(vintage=vintage, envelope=envelope)
        people[name] = chequebook.beneficiary
        for cheque in chequebook.cheques.order_by("position")[:redeemed]:
            redemption_create(cheque=cheque, mediator=mediator, statement=paid)
    # A cheque on a statement not paid yet is not "paid".
    extra = HandedOutChequebookFactory(vintage=vintage, envelope=cd12)
    redemption_create(cheque=extra.cheques.first(), mediator=mediator, statement=issued)
    _sessions(people["A"], mediator, ("guided", "another_session"), ("autonomous_with_help", ""))
    _sessions(people["B"], mediator, ("", "autonomous"))
    _sessions(people["C"], mediator, ("autonomous_with_help", ""), ("guided", "another_session"))

    summaries_refresh()  # the impact figures are the tallies' (ImpactTally)
    figures = impact_figures(Filters())
    cd12_row, epci_row = figures["by_epci"]
    # CD12's envelope: A, B, D and the extra chequebook's person; A rose, B autonomous.
    assert cd12_row["people"] == 4 and cd12_row["with_session"] == 2
    assert cd12_row["sessions"] == 3 and cd12_row["sessions_per_person"] == 1.5
    assert (cd12_row["rose"], cd12_row["autonomous"], cd12_row["counted"]) == (1, 1, 2)
    assert cd12_row["paid_cents"] == 5 * 960  # 48,00 €: the issued statement's cheque is not
    assert round(cd12_row["per_thousand"], 2) == 41.67  # 2 people ÷ (48 € ÷ 1 000 €)
    # The EPCI's envelope: C went down, not up: no impact, 48 € paid.
    assert epci_row["label"] == env_a.epci.name
    assert (epci_row["people"], epci_row["sessions"], epci_row["counted"]) == (1, 2, 0)
    assert epci_row["paid_cents"] == 4800 and epci_row["per_thousand"] == 0
    (year_row,) = figures["by_vintage"]
    assert year_row["label"] == str(vintage.year)
    total = figures["total"]
    assert total["counted"] == 2 and total["paid_cents"] == 9600
    assert round(total["per_thousand"], 2) == 20.83  # 2 ÷ (96 € ÷ 1 000 €)
    assert year_row["per_thousand"] == total["per_thousand"]
    # Restricted to the EPCI, only its envelope.
    restricted = impact_figures(Filters(epci_id=env_a.epci_id))
    assert restricted["total"]["people"] == 1


def test_nothing_paid_means_no_ratio(reference_data):
    HandedOutChequebookFactory(
        vintage=VintageFactory(programme=reference_data),
        envelope=Envelope.objects.get(side=Side.CD12),
    )
    summaries_refresh()
    assert impact_figures(Filters())["total"]["per_thousand"] is None


def _missed(days_ago, *, consent=True):
    place, slot = place_with_slot(weekday=(timezone.localdate()).weekday(), capacity=5)
    agent = evaluator_membership()
    person = BeneficiaryFactory(
        registered_by_organisation=agent.organisation,
        contact_consent=consent,
        email="p@example.org",
        phone="",
    )
    referral = ReferralFactory(
        beneficiary=person,
        place=place,
        mediator=place.organisation,
        from_organisation=agent.organisation,
    )
    day = timezone.localdate() + datetime.timedelta(days=7)
    appointment = appointment_book(referral=referral, slot_id=slot.pk, day=day, membership=agent)
    with freeze_time(appointment.starts_at + datetime.timedelta(hours=1)):
        appointment_missed(
            appointment=appointment,
            membership=mediator_membership(organisation=place.organisation),
        )
    type(appointment).objects.filter(pk=appointment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return referral, appointment, agent, slot


def test_missed_appointments_show_on_the_radar_until_rebooked(settings):
    settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS = 2
    old, old_appointment, agent, slot = _missed(3)
    recent, *_ = _missed(0)
    assert list(radar_missed_appointments(Filters())) == [old_appointment]
    appointment_rebook(
        referral=old,
        slot_id=slot.pk,
        day=timezone.localdate() + datetime.timedelta(days=14),
        membership=agent,
    )
    assert not radar_missed_appointments(Filters()).exists()


def test_the_referral_funnel_counts_booked_and_held(reference_data):
    referral, appointment, agent, slot = _missed(3)
    ReferralFactory()
    summaries_refresh()  # the funnel is the tallies' (ReferralTally)
    funnel = dict(referral_funnel(Filters()))
    assert funnel == {
        "Orientations": 2,
        "Rendez-vous pris": 1,
        "Rendez-vous honorés": 0,
        "Première séance faite": 0,
    }
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.MISSED


def test_dashboard_shows_funnel_radar_and_impact_with_definition(
    reference_data, login, mailoutbox, django_capture_on_commit_callbacks
):
    _missed(3)
    summaries_refresh()
    client = login(manager_membership())
    page = html.unescape(client.get(reverse("reporting:dashboard")).content.decode())
    assert "Rendez-vous pris" in page and "Rendez-vous honorés" in page
    assert "Rendez-vous manqués et non repris" in page
    assert "Impact pour 1 000 € = personnes devenues autonomes" in page
    # From the tallies: the funnel and the impact say as of when.
    assert "premières séances (cumul à date, chiffres arrêtés le " in page
    assert "Cumul à date, chiffres arrêtés le " in page


def test_remind_the_person_from_the_radar_once_and_only_with_consent(
    reference_data, login, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS = 2
    referral, appointment, *_ = _missed(3)
    _, no_consent, *_ = _missed(3, consent=False)
    client = login(manager_membership())
    listing = client.get(reverse("reporting:radar_missed_appointments")).content.decode()
    assert f"n° {referral.pk}" in listing and referral.beneficiary.last_name not in listing
    url = reverse("reporting:appointment_remind_person", args=[appointment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(mailoutbox) == 1 and "pas pu venir" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "déjà reçu un rappel" in html.unescape(response.content.decode())
    assert len(mailoutbox) == 1 and Reminder.objects.count() == 1
    assert JournalEntry.objects.filter(action="orientation.reminder.asked").count() == 1
    response = client.post(
        reverse("reporting:appointment_remind_person", args=[no_consent.pk]), follow=True
    )
    assert "pas accepté les rappels" in html.unescape(response.content.decode())
    assert len(mailoutbox) == 1
    # Not on the radar (a guessed id): 404
    other = ReferralFactory()
    assert (
        client.post(
            reverse("reporting:appointment_remind_person", args=[other.pk + 1000])
        ).status_code
        == 404
    )


def test_the_front_desk_sees_its_missed_appointments_to_rebook(reference_data, login):
    referral, appointment, agent, slot = _missed(0)
    client = login(agent)
    page = html.unescape(client.get(reverse("orientation:referral_list")).content.decode())
    assert "Rendez-vous manqués à reprendre (1)" in page
    assert reverse("orientation:referral_appointment", args=[referral.pk]) in page


def test_progress_is_recorded_on_the_activity_page(login):
    membership = mediator_membership()
    activity = ActivityFactory(mediator=membership.organisation)
    client = login(membership)
    url = reverse("mediation:activity_detail", args=[activity.pk])
    assert "Progrès de la séance" in client.get(url).content.decode()
    client.post(url, {"progress_level": "autonomous", "next_step": "autonomous"})
    activity.refresh_from_db()
    assert (activity.progress_level, activity.next_step) == ("autonomous", "autonomous")
    response = client.post(url, {"progress_level": "expert"})
    assert response.status_code == 200 and Activity.objects.get().progress_level == "autonomous"
    other = login(mediator_membership())
    assert other.get(url).status_code == 404
    with pytest.raises(Exception, match="structure"):
        activity_progress_record(
            activity=activity, membership=mediator_membership(), progress_level="guided"
        )


def test_the_periodic_report_states_the_impact_and_its_definition(
    small, login, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    from reporting.models import Report

    summaries_refresh(as_of=small.today)
    client = login(small.manager)
    start = small.today - datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:reports"), {"period_start": start, "period_end": small.today}
        )
    data = Report.objects.get().file.read()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "Impact pour 1 000 € = personnes devenues autonomes" in text
    assert "Rendez-vous pris" in text and "Rendez-vous manqués" in text


def test_the_missed_appointments_list_has_a_query_budget(
    reference_data, login, django_assert_max_num_queries, settings
):
    settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS = 2
    for _ in range(3):
        _missed(3)
    client = login(manager_membership())
    url = reverse("reporting:radar_missed_appointments")
    with django_assert_max_num_queries(15) as captured:
        client.get(url)
    few = len(captured)
    for _ in range(3):
        _missed(3)
    with django_assert_max_num_queries(15) as captured:
        client.get(url)
    assert len(captured) == few
