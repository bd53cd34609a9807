"""Pages: the redemption form end to end, scoping (a guessed id is a 404), query budgets."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.models import Redemption, Statement, StatementStatus
from mediation.services import statement_issue
from passnum.core.dates import PARIS
from tests.factories import evaluator_membership

from .conftest import CODE, handed_out, make_mediator, token

pytestmark = pytest.mark.django_db


def last_month():
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def post_redeem(client, cheques, *, code=CODE, token="tok-1", **extra):
    data = {
        "token": token,
        "kind": "individual",
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "themes": ["email", "procedures"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i, cheque in enumerate(cheques, start=1):
        data[f"number_{i}"] = str(cheque.number)
        data[f"code_{i}"] = code
    data.update(extra)
    return client.post(reverse("mediation:redeem"), data)


def test_the_redeem_page_redeems_and_shows_the_activity(mediator, chequebook, login):
    client = login(mediator)
    page = client.get(reverse("mediation:redeem"))
    assert page.status_code == 200 and 'name="number_10"' in page.content.decode()
    cheques = list(chequebook.cheques.order_by("position")[:3])
    response = post_redeem(client, cheques)
    assert response.status_code == 302
    assert Redemption.objects.filter(cheque__in=cheques).count() == 3
    detail = client.get(response["Location"])
    assert "3 chèques encaissés" in detail.content.decode()


def test_a_double_submission_of_the_form_redeems_once(mediator, chequebook, login):
    client = login(mediator)
    cheques = list(chequebook.cheques.order_by("position")[:2])
    first = post_redeem(client, cheques, token="same")
    second = post_redeem(client, cheques, token="same")
    assert first["Location"] == second["Location"]
    assert Redemption.objects.count() == 2


def test_the_redeem_page_shows_each_refusal_in_french(mediator, chequebook, login):
    client = login(mediator)
    cheques = list(chequebook.cheques.order_by("position")[:2])
    assert post_redeem(client, cheques[:1], token="a").status_code == 302
    response = post_redeem(client, cheques, token="b")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Aucun chèque n&#x27;a été encaissé" in body or "Aucun chèque n'a été encaissé" in body
    assert "déjà été encaissé le" in body
    assert Redemption.objects.count() == 1
    # A fresh token is given for the corrected resubmission.
    assert 'value="b"' not in body


def test_only_mediators_reach_the_redeem_page(db, login, manager):
    assert login(evaluator_membership()).get(reverse("mediation:redeem")).status_code == 404
    assert login(manager).get(reverse("mediation:redeem")).status_code == 404


def test_a_mediator_never_sees_another_mediators_records(
    mediator, other_mediator, chequebook, redeem, login
):
    result = redeem(list(chequebook.cheques.all()[:2]), membership=other_mediator)
    Redemption.objects.update(
        redeemed_at=datetime.datetime.combine(last_month(), datetime.time(10), tzinfo=PARIS)
    )
    statement = statement_issue(mediator=other_mediator.organisation, period_start=last_month())
    client = login(mediator)
    for url in (
        reverse("mediation:activity_detail", args=[result.activity.pk]),
        reverse("mediation:statement_detail", args=[statement.pk]),
        reverse("mediation:statement_pdf", args=[statement.pk]),
        reverse("mediation:place_edit", args=[other_mediator.organisation.places.get().pk]),
        reverse("mediation:agreement_pdf", args=[other_mediator.organisation.agreements.get().pk]),
        reverse("mediation:mediator_detail", args=[other_mediator.organisation.pk]),
    ):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("mediation:statement_list")).content.decode()
    assert f"Relevé n° {statement.number}" not in listing
    owner = login(other_mediator)
    assert owner.get(reverse("mediation:statement_detail", args=[statement.pk])).status_code == 200


def test_mediator_lists_and_home_keep_their_query_budget(
    mediator, vintage, envelope, redeem, login, django_assert_max_num_queries
):
    for _ in range(6):
        redeem(list(handed_out(vintage, envelope).cheques.all()[:3]))
    Redemption.objects.update(
        redeemed_at=datetime.datetime.combine(last_month(), datetime.time(10), tzinfo=PARIS)
    )
    statement_issue(mediator=mediator.organisation, period_start=last_month())
    client = login(mediator)
    for name, budget in (
        ("mediation:activity_list", 14),
        ("mediation:statement_list", 12),
        ("mediation:profile", 18),
        ("home", 30),
    ):
        with django_assert_max_num_queries(budget):
            assert client.get(reverse(name)).status_code == 200, name


def test_manager_pages_keep_their_query_budget_and_export(
    manager, login, django_assert_max_num_queries, reference_data
):
    for i in range(8):
        make_mediator(name=f"Structure {i}")
    client = login(manager)
    for name, budget in (
        ("mediation:mediator_list", 14),
        ("mediation:agreement_list", 12),
        ("mediation:statement_list", 12),
    ):
        with django_assert_max_num_queries(budget):
            assert client.get(reverse(name)).status_code == 200, name
    csv = client.get(reverse("mediation:mediator_list") + "?_export=csv")
    assert csv.status_code == 200 and "Structure 7" in csv.content.decode()
    xlsx = client.get(reverse("mediation:mediator_list") + "?_export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    filtered = client.get(reverse("mediation:mediator_list") + "?q=Structure+3").content.decode()
    assert "Structure 3" in filtered and "Structure 4" not in filtered


def test_a_manager_produces_validates_and_downloads_a_statement(
    manager, mediator, chequebook, redeem, login, django_capture_on_commit_callbacks
):
    redeem(list(chequebook.cheques.all()[:3]))
    client = login(manager)
    with django_capture_on_commit_callbacks(execute=True):  # the worker renders the PDF
        response = client.post(
            reverse("mediation:statements_produce"),
            {"period": timezone.localdate().replace(day=1).isoformat()},
        )
    assert response.status_code == 302
    statement = Statement.objects.get(mediator=mediator.organisation)
    assert statement.cheque_count == 3
    client.post(reverse("mediation:statement_action", args=[statement.pk, "valider"]))
    statement.refresh_from_db()
    assert statement.status == "validated"
    pdf = client.get(reverse("mediation:statement_pdf", args=[statement.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_manager_invites_and_qualifies_through_the_pages(manager, login, reference_data):
    from passnum.territory.models import Commune

    client = login(manager)
    response = client.post(
        reverse("mediation:mediator_invite"),
        {
            "name": "Nouveau lieu",
            "commune": Commune.objects.first().pk,
            "email": "nouveau@example.org",
            "first_name": "",
            "last_name": "",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "Profil incomplet" in detail.content.decode()

    # Qualifying the incomplete profile is refused next to the status field.
    from passnum.directory.models import MediatorProfile, QualificationStatus
    from passnum.organisations.models import Organisation

    organisation = Organisation.objects.get(name="Nouveau lieu")
    url = reverse("mediation:mediator_qualification", args=[organisation.pk])
    refused = client.post(url, {"status": "qualified", "reason": ""})
    assert refused.status_code == 200
    assert "il manque" in " ".join(refused.context["qualification_form"].errors["status"])
    # Once the profile is complete and a place exists, the same page qualifies it.
    from passnum.directory.services import mediator_profile_update
    from tests.factories import PlaceFactory

    profile = MediatorProfile.objects.get(organisation=organisation)
    mediator_profile_update(
        profile=profile,
        membership=manager,
        charter_accepted=True,
        siret="73282932000074",
        legal_representative="Alex Admin",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    PlaceFactory(organisation=organisation)
    assert client.post(url, {"status": "qualified", "reason": ""}).status_code == 302
    profile.refresh_from_db()
    assert profile.qualification_status == QualificationStatus.QUALIFIED
    # A suspension without reason is refused next to the reason.
    refused = client.post(url, {"status": "suspended", "reason": ""})
    assert "motif" in " ".join(refused.context["qualification_form"].errors["reason"])
    profile.refresh_from_db()
    assert profile.qualification_status == QualificationStatus.QUALIFIED
    # Nothing is preselected: submitting without a choice asks for one, and changes nothing.
    page = client.get(reverse("mediation:mediator_detail", args=[organisation.pk]))
    assert page.context["qualification_form"]["status"].value() in (None, "")
    unchosen = client.post(url, {"status": "", "reason": ""})
    assert "Choisissez" in " ".join(unchosen.context["qualification_form"].errors["status"])
    profile.refresh_from_db()
    assert profile.qualification_status == QualificationStatus.QUALIFIED


def test_the_mediator_admin_completes_the_profile_through_the_page(mediator, login):
    client = login(mediator)
    response = client.post(
        reverse("mediation:profile_edit"),
        {
            "legal_name": "Asso",
            "siret": "73282932000075",
            "legal_representative": "X",
            "iban": "FR7630006000011234567890189",
            "bic": "AGRIFRPP",
            "labels": ["#APTIC"],
        },
    )
    assert response.status_code == 200
    assert "clé de contrôle doit être juste" in response.content.decode()
    mediator.organisation.mediator_profile.refresh_from_db()
    assert mediator.organisation.mediator_profile.legal_name != "Asso"


def test_other_mediators_redemptions_are_invisible_in_figures(
    mediator, other_mediator, vintage, envelope, redeem, login
):
    redeem(list(handed_out(vintage, envelope).cheques.all()[:4]), membership=other_mediator)
    client = login(mediator)
    home = client.get(reverse("home")).content.decode()
    assert "38,40" not in home  # the other's 4 × 9,60 €


def test_an_org_admin_of_a_front_desk_cannot_use_mediation_pages(db, login):
    from passnum.organisations.models import Role
    from tests.factories import MembershipFactory

    admin = MembershipFactory(role=Role.ORG_ADMIN)
    assert login(admin).get(reverse("mediation:profile")).status_code == 404
    assert login(admin).get(reverse("mediation:statement_list")).status_code == 404


def test_a_mediator_without_agreement_is_told_before_typing(db, login):
    alone = make_mediator(agreement=False)
    body = login(alone).get(reverse("mediation:redeem")).content.decode()
    assert "pas de convention en vigueur" in body


def test_the_managers_figures_are_not_multiplied_by_the_places(
    mediator, vintage, envelope, redeem, login, manager
):
    """Three redemptions of a mediator with three places (one inactive): 28,80 € net, not
    three times that, on the page and in the CSV export."""
    from mediation.selectors import mediators_with_figures
    from tests.factories import PlaceFactory

    PlaceFactory(organisation=mediator.organisation)
    PlaceFactory(organisation=mediator.organisation, is_active=False)
    assert redeem(list(handed_out(vintage, envelope).cheques.all()[:3])).ok
    row = mediators_with_figures().get(pk=mediator.organisation.pk)
    assert (row.place_count, row.redeemed_total, row.redeemed_this_month) == (2, 3, 3)
    assert row.net_total_cents == 3 * 960
    client = login(manager)
    body = client.get(reverse("mediation:mediator_list")).content.decode()
    assert "28,80" in body and "86,40" not in body
    csv = client.get(reverse("mediation:mediator_list") + "?_export=csv").content.decode()
    assert "86,40" not in csv and "86.40" not in csv


def test_the_managers_list_shows_the_agreement_in_force(mediator, login, manager):
    from mediation.models import Agreement, AgreementStatus

    agreement = Agreement.objects.get(mediator=mediator.organisation)
    client = login(manager)
    body = client.get(reverse("mediation:mediator_list")).content.decode()
    assert "Convention en vigueur jusqu&#x27;au" in body or "Convention en vigueur jusqu'au" in body
    assert f"{agreement.end_date:%d/%m/%Y}" in body
    Agreement.objects.filter(pk=agreement.pk).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1),
        start_date=timezone.localdate() - datetime.timedelta(days=30),
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.status_label() == "Terminée"
    body = client.get(reverse("mediation:mediator_list")).content.decode()
    assert "Aucune" in body
    detail = client.get(reverse("mediation:agreement_detail", args=[agreement.pk])).content.decode()
    assert "Terminée" in detail and "En vigueur" not in detail


def _activity_post(client, **extra):
    data = {
        "kind": "workshop",
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "90",
        "themes": ["email"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    data.update(extra)
    return client.post(reverse("mediation:activity_create"), data)


def test_a_workshop_records_its_participants_through_the_page(mediator, other_mediator, login):
    """Three people referred to this mediator take part in a workshop; someone referred to
    another mediator is not offered, and forcing the id is refused next to the field."""
    from mediation.models import Activity
    from tests.factories import ReferralFactory

    place = mediator.organisation.places.first()
    mine = [ReferralFactory(mediator=mediator.organisation, place=place) for _ in range(3)]
    theirs = ReferralFactory(
        mediator=other_mediator.organisation,
        place=other_mediator.organisation.places.first(),
        beneficiary__last_name="Xylophonique",  # a name no fake one is or contains
    )
    client = login(mediator)
    page = client.get(reverse("mediation:activity_create")).content.decode()
    assert str(mine[0].beneficiary.last_name) in page
    assert str(theirs.beneficiary.last_name) not in page

    refused = _activity_post(client, participants=[str(theirs.beneficiary_id)])
    assert refused.status_code == 200
    assert "participants" in refused.context["form"].errors
    assert not Activity.objects.exists()

    response = _activity_post(client, participants=[str(r.beneficiary_id) for r in mine])
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert set(activity.participants.all()) == {r.beneficiary for r in mine}


def test_the_service_refuses_participants_of_another_mediator(mediator, other_mediator):
    from django.core.exceptions import ValidationError

    from mediation.services import activity_record
    from tests.factories import ReferralFactory

    theirs = ReferralFactory(
        mediator=other_mediator.organisation, place=other_mediator.organisation.places.first()
    )
    with pytest.raises(ValidationError) as exc:
        activity_record(
            membership=mediator,
            kind="workshop",
            date=timezone.localdate(),
            duration_minutes=60,
            themes=[],
            participants=[theirs.beneficiary],
        )
    assert "participants" in exc.value.message_dict


def test_a_zero_minute_activity_is_refused_next_to_the_duration(mediator, login):
    response = _activity_post(login(mediator), duration_minutes="0")
    form = response.context["form"]
    assert response.status_code == 200
    assert "au moins une minute" in " ".join(form.errors["duration_minutes"])
    assert not form.non_field_errors()
    assert "activity_has_duration" not in response.content.decode()


def test_agreement_steps_show_their_errors_next_to_the_field(mediator, manager, login):
    from mediation.models import AgreementStatus
    from mediation.services import agreement_create
    from tests.factories import OwnerFactory

    agreement = agreement_create(
        mediator=mediator.organisation,
        counterpart=OwnerFactory(),
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + datetime.timedelta(days=365),
        membership=manager,
    )
    client = login(manager)
    activate = reverse("mediation:agreement_action", args=[agreement.pk, "activer"])
    refused = client.post(activate, {"signed_at": ""})
    assert refused.status_code == 200 and "signed_at" in refused.context["activate_form"].errors
    assert client.post(activate, {"signed_at": timezone.localdate().isoformat()}).status_code == 302
    # Activating twice: the service's refusal lands on the date field.
    again = client.post(activate, {"signed_at": timezone.localdate().isoformat()})
    assert "brouillon" in " ".join(again.context["activate_form"].errors["signed_at"])
    terminate = reverse("mediation:agreement_action", args=[agreement.pk, "resilier"])
    refused = client.post(terminate, {"reason": "  "})
    assert "reason" in refused.context["terminate_form"].errors
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_statement_steps_show_their_errors_on_the_page(
    mediator, manager, chequebook, redeem, login
):
    from mediation.services import statement_send, statement_validate
    from passnum.directory.services import mediator_profile_update

    assert redeem(list(chequebook.cheques.all()[:2])).ok
    Redemption.objects.update(
        redeemed_at=datetime.datetime.combine(last_month(), datetime.time(10), tzinfo=PARIS)
    )
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    mediator_profile_update(
        profile=mediator.organisation.mediator_profile,
        membership=mediator,
        iban="FR1420041010050500013M02606",
    )
    client = login(manager)
    refused = client.post(reverse("mediation:statement_action", args=[statement.pk, "valider"]))
    assert refused.status_code == 200
    assert "revalider" in " ".join(refused.context["step_form"].non_field_errors())
    assert 'role="alert"' in refused.content.decode()
    from passnum.directory.services import mediator_bank_details_confirm

    mediator_bank_details_confirm(
        profile=mediator.organisation.mediator_profile, membership=manager
    )
    statement_validate(statement=statement, membership=manager)
    statement_send(statement=statement, membership=manager)
    pay = reverse("mediation:statement_action", args=[statement.pk, "payer"])
    refused = client.post(pay, {"paid_at": timezone.localdate().isoformat(), "reference": ""})
    assert refused.status_code == 200 and "reference" in refused.context["pay_form"].errors
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SENT_FOR_PAYMENT
    done = client.post(pay, {"paid_at": timezone.localdate().isoformat(), "reference": "VIR-1"})
    assert done.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID


@pytest.mark.parametrize("state", ["declined", "lapsed"])
def test_a_person_whose_referral_was_declined_or_lapsed_is_no_participant(mediator, login, state):
    """Orientation's rule: once the referral is declined or lapsed, the mediator no longer sees
    the person, so the activity page does not offer them and the service refuses them."""
    from django.core.exceptions import ValidationError

    from mediation.selectors import participants_open_for
    from mediation.services import activity_record
    from tests.factories import ReferralFactory

    place = mediator.organisation.places.first()
    open_one = ReferralFactory(mediator=mediator.organisation, place=place)
    closed = ReferralFactory(
        mediator=mediator.organisation,
        place=place,
        state=state,
        beneficiary__last_name="Xylophonique",  # a name no fake one is or contains
    )
    assert list(participants_open_for(mediator)) == [open_one.beneficiary]
    page = login(mediator).get(reverse("mediation:activity_create")).content.decode()
    assert closed.beneficiary.last_name not in page
    with pytest.raises(ValidationError) as exc:
        activity_record(
            membership=mediator,
            kind="workshop",
            date=timezone.localdate(),
            duration_minutes=60,
            themes=[],
            participants=[closed.beneficiary],
        )
    assert "participants" in exc.value.message_dict


def test_an_anonymised_person_is_no_participant_even_with_redeemed_cheques(mediator, chequebook):
    from mediation.selectors import participants_open_for
    from mediation.services import ChequeLine, redemption_submit
    from passnum.people.models import Beneficiary

    cheque = chequebook.cheques.order_by("number").first()
    result = redemption_submit(
        membership=mediator,
        token=token(),
        lines=[ChequeLine(number=str(cheque.number), code=CODE)],
        kind="individual",
        date=timezone.localdate(),
        duration_minutes=30,
        themes=[],
    )
    assert result.ok
    assert list(participants_open_for(mediator)) == [chequebook.beneficiary]
    Beneficiary.objects.filter(pk=chequebook.beneficiary_id).update(anonymised_at=timezone.now())
    assert list(participants_open_for(mediator)) == []


@pytest.mark.parametrize("state", ["declined", "lapsed", "completed"])
def test_an_activity_cannot_answer_a_closed_referral(mediator, login, state):
    """The service checks the referral against referrals_open_for, as the form's list does."""
    from django.core.exceptions import ValidationError

    from mediation.models import Activity
    from mediation.services import activity_record
    from tests.factories import ReferralFactory

    referral = ReferralFactory(
        mediator=mediator.organisation, place=mediator.organisation.places.first(), state=state
    )
    with pytest.raises(ValidationError) as exc:
        activity_record(
            membership=mediator,
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=60,
            themes=[],
            referral=referral,
        )
    assert "close" in " ".join(exc.value.message_dict["referral"])
    assert not Activity.objects.exists()
    referral.refresh_from_db()
    assert referral.state == state


def test_an_activity_answers_an_open_referral(mediator):
    from mediation.services import activity_record
    from tests.factories import ReferralFactory

    referral = ReferralFactory(
        mediator=mediator.organisation, place=mediator.organisation.places.first()
    )
    activity = activity_record(
        membership=mediator,
        kind="individual",
        date=timezone.localdate(),
        duration_minutes=60,
        themes=[],
        referral=referral,
    )
    assert list(activity.participants.all()) == [referral.beneficiary]
    referral.refresh_from_db()
    assert referral.state == "first_session"


@pytest.mark.parametrize("minutes", ["-5", "0", "601"])
def test_both_forms_show_the_services_duration_rule(mediator, login, chequebook, minutes):
    """One rule (services.activity_duration_error) for the activity page, the redemption page
    and the services; its message is shown next to the duration."""
    from django.core.exceptions import ValidationError

    from mediation.models import Activity
    from mediation.services import activity_duration_error, activity_record

    expected = activity_duration_error(int(minutes))
    assert expected
    client = login(mediator)
    form = _activity_post(client, duration_minutes=minutes).context["form"]
    assert form.errors["duration_minutes"] == [expected] and not form.non_field_errors()
    cheque = chequebook.cheques.order_by("number").first()
    form = post_redeem(client, [cheque], duration_minutes=minutes).context["form"]
    assert form.errors["duration_minutes"] == [expected]
    with pytest.raises(ValidationError) as exc:
        activity_record(
            membership=mediator,
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=int(minutes),
            themes=[],
        )
    assert exc.value.message_dict["duration_minutes"] == [expected]
    assert not Activity.objects.exists() and not Redemption.objects.exists()


@pytest.mark.parametrize("minutes", [1, 5, 600])
def test_durations_inside_the_bounds_are_accepted(mediator, minutes):
    from mediation.services import activity_duration_error

    assert activity_duration_error(minutes) is None


def test_an_activity_is_checked_once_for_both_pages(mediator, chequebook, redeem):
    """services.activity_errors (kind, not in the future, duration) is the one check of the
    redemption and of the activity without cheques: same messages, on the same fields."""
    from django.core.exceptions import ValidationError

    from mediation.services import activity_errors, activity_record

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    expected = activity_errors(date=tomorrow, duration_minutes=0, kind="unknown")
    assert set(expected) == {"date", "duration_minutes", "kind"}
    with pytest.raises(ValidationError) as by_activity:
        activity_record(
            membership=mediator, kind="unknown", date=tomorrow, duration_minutes=0, themes=[]
        )
    with pytest.raises(ValidationError) as by_redemption:
        redeem(chequebook.cheques.all()[:1], kind="unknown", date=tomorrow, duration_minutes=0)
    for exc in (by_activity, by_redemption):
        assert exc.value.message_dict == {k: [v] for k, v in expected.items()}
    assert not Redemption.objects.exists()
