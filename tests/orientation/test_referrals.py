import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from orientation.models import Referral, ReferralState
from orientation.selectors import (
    beneficiaries_visible_to,
    places_for_referral,
    referrals_for_mediator,
    referrals_needing_follow_up,
)
from orientation.services import (
    referral_accept,
    referral_complete,
    referral_create,
    referral_decline,
    referral_first_session_held,
    referral_lapse,
    referrals_lapse_overdue,
)
from orientation.tasks import referrals_lapse
from orientation.transitions import REFERRAL_TRANSITIONS
from passnum.audit.models import JournalEntry
from passnum.core.dates import PARIS
from tests.factories import (
    BeneficiaryFactory,
    EpciOrganisationFactory,
    HandedOutChequebookFactory,
    MediatorProfileFactory,
    MembershipFactory,
    PlaceFactory,
    QualifiedPlaceFactory,
    ReferralFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
)
from tests.foundation.test_production import _manage, _production_env

pytestmark = pytest.mark.django_db

S = ReferralState


def _referral(state=S.PROPOSED):
    referral = ReferralFactory(state=state)
    return referral, mediator_membership(organisation=referral.mediator)


def _journal(referral, action):
    return JournalEntry.objects.filter(action=action, target_id=str(referral.pk))


def test_mediator_accepts_a_proposed_referral_and_it_is_journaled_with_its_user():
    referral, membership = _referral()
    referral_accept(referral=referral, membership=membership)
    referral.refresh_from_db()
    assert referral.state == S.ACCEPTED and referral.accepted_at
    entry = _journal(referral, "orientation.referral.accepted").get()
    assert entry.actor == membership.user and entry.organisation == membership.organisation


def test_decline_needs_a_reason_and_keeps_it():
    referral, membership = _referral()
    with pytest.raises(ValidationError) as refused:
        referral_decline(referral=referral, membership=membership, reason="  ")
    assert refused.value.message_dict == {"reason": ["Indiquez le motif du refus."]}
    referral_decline(referral=referral, membership=membership, reason="Plus de place en atelier")
    referral.refresh_from_db()
    assert referral.state == S.DECLINED and referral.decline_reason == "Plus de place en atelier"


def test_the_whole_lifecycle_proposed_accepted_first_session_completed():
    referral, membership = _referral()
    referral_accept(referral=referral, membership=membership)
    referral_first_session_held(referral=referral, membership=membership)
    referral_complete(referral=referral, membership=membership)
    referral.refresh_from_db()
    assert referral.state == S.COMPLETED
    for action in ("accepted", "first_session", "completed"):
        assert _journal(referral, f"orientation.referral.{action}").count() == 1


@pytest.mark.parametrize(
    "from_state,to_state",
    [
        (a, b)
        for a in S.values
        for b in S.values
        if not any(t.target == b and t.allowed_from(a) for t in REFERRAL_TRANSITIONS)
        and b != S.PROPOSED
        # first_session_held from proposed accepts first (documented); from first_session or
        # completed it is a no-op, so those pairs are tested separately.
        and not (b == S.FIRST_SESSION and a in (S.PROPOSED, S.FIRST_SESSION, S.COMPLETED))
    ],
)
def test_forbidden_transitions_raise_and_change_nothing(from_state, to_state):
    referral, membership = _referral(from_state)
    action = {
        S.ACCEPTED: lambda: referral_accept(referral=referral, membership=membership),
        S.DECLINED: lambda: referral_decline(referral=referral, membership=membership, reason="x"),
        S.FIRST_SESSION: lambda: referral_first_session_held(
            referral=referral, membership=membership
        ),
        S.COMPLETED: lambda: referral_complete(referral=referral, membership=membership),
        S.LAPSED: lambda: referral_lapse(referral=referral, membership=membership),
    }[to_state]
    with pytest.raises(ValidationError, match="ne peut pas passer à"):
        action()
    referral.refresh_from_db()
    assert referral.state == from_state
    assert not JournalEntry.objects.filter(target_id=str(referral.pk)).exists()


def test_first_session_on_a_proposed_referral_accepts_it_first():
    referral, membership = _referral()
    referral_first_session_held(referral=referral, membership=membership)
    referral.refresh_from_db()
    assert referral.state == S.FIRST_SESSION
    assert _journal(referral, "orientation.referral.accepted").count() == 1


def test_first_session_again_changes_nothing():
    referral, membership = _referral(S.FIRST_SESSION)
    referral_first_session_held(referral=referral, membership=membership)
    referral.refresh_from_db()
    assert referral.state == S.FIRST_SESSION
    assert not _journal(referral, "orientation.referral.first_session").exists()


def test_only_the_addressed_mediator_answers_a_referral():
    referral, _ = _referral()
    other = mediator_membership()
    with pytest.raises(ValidationError, match="n'est pas adressée à votre structure"):
        referral_accept(referral=referral, membership=other)
    desk = evaluator_membership(organisation=referral.from_organisation)
    with pytest.raises(ValidationError, match="n'est pas adressée à votre structure"):
        referral_accept(referral=referral, membership=desk)
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_referral_create_queues_an_email_after_commit(django_capture_on_commit_callbacks):
    desk = evaluator_membership()
    person = BeneficiaryFactory(registered_by_organisation=desk.organisation)
    place = QualifiedPlaceFactory(email="lieu@example.org")
    mediator = mediator_membership(organisation=place.organisation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = referral_create(beneficiary=person, place=place, membership=desk)
    assert len(mail.outbox) == 0 and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"lieu@example.org", mediator.user.email}
    assert person.last_name not in mail.outbox[0].body
    assert referral.state == S.PROPOSED and referral.mediator == place.organisation
    assert referrals_for_mediator(mediator).filter(pk=referral.pk).exists()
    assert beneficiaries_visible_to(mediator).filter(pk=person.pk).exists()


def test_referral_refused_to_a_person_the_desk_does_not_see_and_to_an_unqualified_mediator():
    desk = evaluator_membership()
    stranger = BeneficiaryFactory()
    with pytest.raises(ValidationError, match="n'est pas suivie par votre accueil"):
        referral_create(beneficiary=stranger, place=QualifiedPlaceFactory(), membership=desk)
    person = BeneficiaryFactory(registered_by_organisation=desk.organisation)
    profile = MediatorProfileFactory(qualification_status="suspended", status_reason="charte")
    with pytest.raises(ValidationError, match="n'est pas qualifié pour le Pass numérique"):
        referral_create(
            beneficiary=person,
            place=PlaceFactory(organisation=profile.organisation),
            membership=desk,
        )
    with pytest.raises(ValidationError, match="n'accueille plus de public"):
        referral_create(
            beneficiary=person, place=QualifiedPlaceFactory(is_active=False), membership=desk
        )
    assert not Referral.objects.exists()


def test_a_mediator_without_a_profile_is_not_offered_and_a_referral_to_it_is_refused(world):
    """A mediator without a profile has not applied: it is not qualified (mediator_is_qualified),
    so its places are not offered and a referral to one is refused."""
    bare = PlaceFactory(commune=world.rodez, name="Lieu sans profil")
    assert not hasattr(bare.organisation, "mediator_profile")
    offered = places_for_referral(commune=world.rodez)
    assert bare not in offered and world.place_near in offered
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    with pytest.raises(ValidationError) as refused:
        referral_create(beneficiary=person, place=bare, membership=world.agent)
    assert refused.value.message_dict == {
        "place": ["Ce médiateur n'est pas qualifié pour le Pass numérique."]
    }
    assert not Referral.objects.filter(beneficiary=person).exists()


def test_a_mediator_sees_only_its_referrals_and_people():
    referral, membership = _referral()
    other_referral = ReferralFactory()
    assert list(referrals_for_mediator(membership)) == [referral]
    assert list(beneficiaries_visible_to(membership)) == [referral.beneficiary]
    assert other_referral.beneficiary not in beneficiaries_visible_to(membership)


def test_follow_up_from_the_day_after_the_setting_days_without_acceptance(settings):
    """Whole days in Europe/Paris: a referral made on 2 March at 09:00 is to follow up from
    17 March 00:00 (Paris), not from 16 March at 09:00 (14 × 24 h)."""
    settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS = 14
    made = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
    with freeze_time(made):
        referral = ReferralFactory()
        accepted = ReferralFactory(
            beneficiary=referral.beneficiary, from_organisation=referral.from_organisation
        )
        referral_accept(
            referral=accepted, membership=mediator_membership(organisation=accepted.mediator)
        )
    desk = evaluator_membership(organisation=referral.from_organisation)
    for moment in (
        datetime.datetime(2026, 3, 16, 10, 0, tzinfo=PARIS),
        datetime.datetime(2026, 3, 16, 23, 59, tzinfo=PARIS),
    ):
        with freeze_time(moment):
            assert not referrals_needing_follow_up(desk).exists()
    with freeze_time(datetime.datetime(2026, 3, 17, 0, 1, tzinfo=PARIS)):
        assert list(referrals_needing_follow_up(desk)) == [referral]
        assert list(Referral.objects.overdue()) == [referral]


def test_old_referrals_lapse_by_the_rule_and_the_task_is_idempotent():
    start = timezone.now()
    with freeze_time(start):
        young = ReferralFactory()
        old = ReferralFactory()
        accepted = ReferralFactory()
        referral_accept(
            referral=accepted, membership=mediator_membership(organisation=accepted.mediator)
        )
    Referral.objects.filter(pk=young.pk).update(created_at=start + datetime.timedelta(days=30))
    with freeze_time(start + datetime.timedelta(days=61)):
        assert referrals_lapse_overdue() == 1
        assert referrals_lapse_overdue() == 0
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.state == S.LAPSED and young.state == S.PROPOSED
    assert _journal(old, "orientation.referral.lapsed").get().actor is None
    with freeze_time(start + datetime.timedelta(days=91)):
        assert referrals_lapse.delay().get() == 2
    accepted.refresh_from_db()
    assert accepted.state == S.LAPSED


def test_a_person_has_one_open_referral_per_mediator():
    desk = evaluator_membership()
    person = BeneficiaryFactory(registered_by_organisation=desk.organisation)
    place = QualifiedPlaceFactory()
    referral_create(beneficiary=person, place=place, membership=desk)
    with pytest.raises(ValidationError, match="déjà orientée vers ce médiateur"):
        referral_create(
            beneficiary=person, place=PlaceFactory(organisation=place.organisation), membership=desk
        )
    referral_create(beneficiary=person, place=QualifiedPlaceFactory(), membership=desk)  # another
    assert Referral.objects.filter(beneficiary=person).count() == 2


def test_who_sees_whom():

    registering = evaluator_membership()
    person = BeneficiaryFactory(registered_by_organisation=registering.organisation)
    handing = evaluator_membership()
    HandedOutChequebookFactory(beneficiary=person, holder=handing.organisation)
    stranger_desk = evaluator_membership()
    coordinator = MembershipFactory(organisation=EpciOrganisationFactory(), role="epci_coordinator")
    assert person in beneficiaries_visible_to(registering)
    assert person in beneficiaries_visible_to(handing)
    assert person in beneficiaries_visible_to(manager_membership())
    assert person not in beneficiaries_visible_to(stranger_desk)
    assert person not in beneficiaries_visible_to(coordinator)
    assert person not in beneficiaries_visible_to(mediator_membership())


def test_the_mediators_email_links_to_its_inbox_with_an_absolute_url(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):

    settings.PASSNUM_SITE_URL = "https://passnum.aveyron.fr"
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    with django_capture_on_commit_callbacks(execute=True):
        referral_create(beneficiary=person, place=world.place_near, membership=world.agent)
    (mail,) = mailoutbox
    assert "https://passnum.aveyron.fr/orientation/orientations-recues/" in mail.body
    assert person.last_name not in mail.body


def test_production_refuses_a_site_url_without_https():

    result = _manage("check", env=_production_env(PASSNUM_SITE_URL="http://passnum.aveyron.fr"))
    assert result.returncode != 0 and "PASSNUM_SITE_URL" in result.stderr
    result = _manage("check", env=_production_env(PASSNUM_SITE_URL="https://passnum.aveyron.fr/"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_takes_an_empty_site_url_as_unset_and_plain_http_without_redirect():

    code = "from django.conf import settings; print(settings.PASSNUM_SITE_URL)"
    result = _manage("shell", "-c", code, env=_production_env(PASSNUM_SITE_URL=""))
    assert result.stdout.strip().splitlines()[-1] == "https://passnum.aveyron.fr"
    env = _production_env(
        PASSNUM_SITE_URL="http://localhost:8000",
        PASSNUM_HTTPS="false",
        PASSNUM_ALLOW_PLAIN_HTTP="true",
    )
    assert _manage("check", env=env).returncode == 0
