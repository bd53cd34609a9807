"""The front desk's one flow, through the pages, as a client would drive it."""

import datetime
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.signals import request_started
from django.urls import reverse
from freezegun import freeze_time
from pypdf import PdfReader

from chequebooks.models import ChequebookState
from orientation.models import Assessment, Referral, ReferralState
from orientation.selectors import beneficiaries_visible_to
from orientation.services import (
    assessment_record,
    beneficiary_hand_over,
    beneficiary_register,
    referral_decline,
    referral_lapse,
)
from passnum.audit.models import JournalEntry
from passnum.people.identity import identity_key_for
from passnum.people.models import Beneficiary
from passnum.programme.models import TargetPublic
from tests.factories import (
    TEST_CHEQUE_CODE,
    BeneficiaryFactory,
    ChequebookFactory,
    EpciFrontDeskFactory,
    HandedOutChequebookFactory,
    PlaceFactory,
    ReferralFactory,
    evaluator_membership,
)

pytestmark = pytest.mark.django_db


def _answers(questionnaire, pick=0):
    data = {}
    for question in questionnaire.questions.all():
        choices = list(question.choices.all())
        data[f"q{question.pk}"] = str(choices[min(pick, len(choices) - 1)].pk)
    return data


def _person_data(world, **extra):
    data = {
        "first_name": "Jeanne",
        "last_name": "Dupré",
        "birth_date": "1952-03-04",
        "commune": "Rodez (12000)",
        "phone": "0611223344",
        "contact_consent": "on",
        "target_public": str(world.public.pk),
        "consent_given": "on",
    }
    data.update(extra)
    return data


def test_new_person_to_referral_sheet_in_four_form_submissions(
    world, login, mailoutbox, django_capture_on_commit_callbacks
):

    client = login(world.agent)
    posts = []  # the POST requests the server received, whoever sent them

    def count_posts(sender, environ=None, **kwargs):
        if environ and environ.get("REQUEST_METHOD") == "POST":
            posts.append(environ.get("PATH_INFO"))

    request_started.connect(count_posts, dispatch_uid="count-posts")

    response = client.post(reverse("orientation:flow_start"), _person_data(world))
    person = Beneficiary.objects.get()
    assert response.url == reverse("orientation:flow_assess", args=[person.pk])
    assert person.identity_key == "dupre|jeanne|1952-03-04"
    assert person.consent_text_version and person.commune == world.rodez

    response = client.post(response.url, _answers(world.questionnaire, pick=0))
    assessment = Assessment.objects.get()
    assert assessment.level_code == "a-accompagner" and assessment.suggested_services
    assert response.url == reverse("orientation:flow_handover", args=[person.pk])

    page = client.get(response.url)
    assert str(world.chequebooks[0].number) in page.content.decode()  # a candidate
    number = world.chequebooks[0].number
    response = client.post(
        response.url, {"action": "hand_over", "chequebook_number": f" {number} "}
    )
    assert response.url == reverse("orientation:flow_refer", args=[person.pk])
    world.chequebooks[0].refresh_from_db()
    assert world.chequebooks[0].state == ChequebookState.HANDED_OUT

    page = client.get(response.url).content.decode()
    # nearest first: the Rodez place is listed before the Millau one
    assert page.index("Lieu de Rodez") < page.index("Lieu de Millau")
    assert "Surdité" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response.url, {"place": world.place_near.pk})
    referral = Referral.objects.get()
    assert response.url == reverse("orientation:flow_done", args=[referral.pk])
    assert referral.chequebook == world.chequebooks[0] and referral.assessment == assessment
    assert len(mailoutbox) == 1

    sheet = client.get(reverse("orientation:referral_sheet", args=[referral.pk]))
    assert sheet["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.content)).pages)
    assert "Médiateurs du Rouergue" in text
    assert str(number) in text and "Jeanne" in text
    request_started.disconnect(dispatch_uid="count-posts")
    assert posts == [
        reverse("orientation:flow_start"),
        reverse("orientation:flow_assess", args=[person.pk]),
        reverse("orientation:flow_handover", args=[person.pk]),
        reverse("orientation:flow_refer", args=[person.pk]),
    ]


def test_registration_draft_is_kept_when_coming_back(world, login):
    client = login(world.agent)
    client.post(reverse("orientation:flow_start"), _person_data(world, consent_given=""))
    assert not Beneficiary.objects.exists()
    page = client.get(reverse("orientation:flow_start")).content.decode()
    assert 'value="Dupré"' in page and 'value="0611223344"' in page


def test_after_registration_step_one_shows_the_saved_person(world, login):
    client = login(world.agent)
    client.post(reverse("orientation:flow_start"), _person_data(world))
    person = Beneficiary.objects.get()
    response = client.get(reverse("orientation:flow_start"))
    assert response.url.startswith(reverse("orientation:person_edit", args=[person.pk]))
    page = client.get(response.url).content.decode()
    assert 'value="Jeanne"' in page


def test_target_public_must_be_the_desks_side(world, login):
    client = login(world.agent)

    cd12_public = TargetPublic.objects.filter(side="cd12").first()
    response = client.post(
        reverse("orientation:flow_start"), _person_data(world, target_public=cd12_public.pk)
    )
    assert response.status_code == 200 and not Beneficiary.objects.exists()


def test_duplicate_at_another_desk_is_told_without_leaking(world, login):
    other_desk_person = BeneficiaryFactory(
        first_name="Jeanne",
        last_name="DUPRE",
        birth_date=datetime.date(1952, 3, 4),
        target_public=world.public,
        phone="0799999999",
    )

    other_desk_person.identity_key = identity_key_for(
        first_name="Jeanne", last_name="DUPRE", birth_date=other_desk_person.birth_date
    )
    other_desk_person.save()
    client = login(world.agent)
    page = client.post(
        reverse("orientation:flow_start"),
        _person_data(world, first_name=" jeanne ", last_name="Dupre"),
    ).content.decode()
    assert "déjà connue du programme" in page
    assert "ne détient pas de chéquier" in page
    assert other_desk_person.registered_by_organisation.name not in page
    assert "0799999999" not in page
    assert f"/personnes/{other_desk_person.pk}/" not in page
    assert Beneficiary.objects.count() == 1
    # on confirmation, the person is registered here too
    client.post(
        reverse("orientation:flow_start"), _person_data(world, confirm_known_elsewhere="on")
    )
    assert Beneficiary.objects.count() == 2


def test_duplicate_holding_a_current_chequebook_is_registered_and_referred_not_handed_one(
    world, login, django_capture_on_commit_callbacks
):

    chequebook = HandedOutChequebookFactory(
        vintage=world.vintage, envelope=world.chequebooks[0].envelope
    )
    person = chequebook.beneficiary
    person.first_name, person.last_name = "Jeanne", "Dupré"
    person.birth_date = "1952-03-04"
    person.identity_key = "dupre|jeanne|1952-03-04"
    person.save()
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    page = client.post(url, _person_data(world)).content.decode()
    assert "détient déjà un chéquier du millésime en cours" in page
    assert 'type="checkbox" name="confirm_known_elsewhere"' in page
    assert "Cochez la case pour l" in page
    assert Beneficiary.objects.count() == 1
    # on confirmation, registered here
    response = client.post(url, _person_data(world, confirm_known_elsewhere="on"))
    here = Beneficiary.objects.get(registered_by_organisation=world.desk)
    assert response.url == reverse("orientation:flow_assess", args=[here.pk])
    # step 3 says a chequebook is in hand under the other record (chequebook_in_hand counts
    # the person's records), and the hand-over is refused (one per person and vintage)...
    handover = reverse("orientation:flow_handover", args=[here.pk])
    assert "remis sous une autre inscription" in client.get(handover).content.decode()
    page = client.post(
        handover,
        {"action": "hand_over", "chequebook_number": str(world.chequebooks[0].number)},
    ).content.decode()
    assert "déjà un chéquier du millésime" in page
    world.chequebooks[0].refresh_from_db()
    assert world.chequebooks[0].state == ChequebookState.AT_FRONT_DESK
    # ...but the person can be referred
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("orientation:flow_refer", args=[here.pk]) + "?service=tous",
            {"place": world.place_near.pk},
        )
    assert Referral.objects.get().beneficiary == here


def test_duplicate_at_the_same_desk_resumes_its_flow(world, login):
    client = login(world.agent)
    client.post(reverse("orientation:flow_start"), _person_data(world))
    client.get(reverse("orientation:flow_start") + "?reset=1")
    response = client.post(reverse("orientation:flow_start"), _person_data(world))
    person = Beneficiary.objects.get()
    assert response.url == reverse("orientation:flow_assess", args=[person.pk])


def test_another_desks_person_is_a_404_everywhere(world, login):
    stranger = BeneficiaryFactory(target_public=world.public)
    client = login(world.agent)
    for name in (
        "person_detail",
        "person_edit",
        "person_export",
        "flow_assess",
        "flow_handover",
        "flow_refer",
    ):
        assert client.get(reverse(f"orientation:{name}", args=[stranger.pk])).status_code == 404
    # another desk's referral: neither its "referral made" page nor its sheet

    referral = ReferralFactory(mediator=world.mediator_org, place=world.place_near)
    assert referral.from_organisation != world.desk
    for name in ("flow_done", "referral_sheet"):
        assert client.get(reverse(f"orientation:{name}", args=[referral.pk])).status_code == 404
    assert (
        client.post(
            reverse("orientation:person_anonymise", args=[stranger.pk]), {"confirm": "oui"}
        ).status_code
        == 404
    )


def test_a_mediator_cannot_open_front_desk_pages(world, login):
    client = login(world.mediator)
    assert client.get(reverse("orientation:flow_start")).status_code == 404
    assert client.get(reverse("orientation:person_list")).status_code == 404


def test_viewing_a_record_is_journaled(world, login):
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    client = login(world.agent)
    assert client.get(reverse("orientation:person_detail", args=[person.pk])).status_code == 200
    entry = JournalEntry.objects.get(action="orientation.beneficiary.viewed")
    assert entry.actor == world.agent.user and entry.target_id == str(person.pk)
    assert person.last_name not in entry.target_repr


def test_export_gives_the_persons_data_and_is_journaled(world, login):
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    client = login(world.agent)
    response = client.get(reverse("orientation:person_export", args=[person.pk]))
    data = json.loads(response.content)
    assert data["personne"]["nom"] == person.last_name
    assert JournalEntry.objects.filter(action="orientation.beneficiary.exported").count() == 1


def test_people_list_query_budget(world, login, django_assert_max_num_queries):
    for _ in range(30):
        BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    BeneficiaryFactory(target_public=world.public, last_name="Zzinvisible")
    client = login(world.agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orientation:person_list"))
    assert response.status_code == 200
    assert "Zzinvisible" not in response.content.decode()


def test_people_search_ignores_accents_and_case(world, login):

    person = beneficiary_register(
        membership=world.agent,
        consent_given=True,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=None,
        commune=world.rodez,
        target_public=world.public,
    )
    client = login(world.agent)
    page = client.get(reverse("orientation:person_list"), {"q": "LEFEVRE helene"}).content.decode()
    assert f"/personnes/{person.pk}/" in page


def test_referral_list_query_budget(world, login, django_assert_max_num_queries):

    for _ in range(20):
        ReferralFactory(
            beneficiary=BeneficiaryFactory(registered_by_organisation=world.desk),
            mediator=world.mediator_org,
            place=world.place_near,
        )
    client = login(world.agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orientation:referral_list"))
    assert response.content.decode().count("Lieu de Rodez") == 20


def test_mediator_inbox_accept_and_decline(world, login, django_assert_max_num_queries):

    referrals = [
        ReferralFactory(mediator=world.mediator_org, place=world.place_near) for _ in range(5)
    ]
    other = ReferralFactory(beneficiary__last_name="Zzautre-Personne")
    client = login(world.mediator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("orientation:inbox")).content.decode()
    assert other.beneficiary.last_name not in page
    assert client.get(reverse("orientation:mediator_referral", args=[other.pk])).status_code == 404
    client.post(reverse("orientation:referral_accept", args=[referrals[0].pk]))
    response = client.post(
        reverse("orientation:referral_decline", args=[referrals[1].pk]), {"reason": ""}
    )
    assert response.status_code == 400
    client.post(
        reverse("orientation:referral_decline", args=[referrals[1].pk]), {"reason": "Complet"}
    )
    states = dict(
        Referral.objects.filter(pk__in=[r.pk for r in referrals[:2]]).values_list("pk", "state")
    )
    assert states == {
        referrals[0].pk: ReferralState.ACCEPTED,
        referrals[1].pk: ReferralState.DECLINED,
    }


def test_mediator_sees_only_the_allowed_fields(world, login):

    person = BeneficiaryFactory(
        phone="0600000001", contact_consent=False, target_public=world.public
    )
    referral = ReferralFactory(
        beneficiary=person, mediator=world.mediator_org, place=world.place_near
    )
    client = login(world.mediator)
    page = client.get(reverse("orientation:mediator_referral", args=[referral.pk])).content.decode()
    assert person.last_name in page
    assert "0600000001" not in page  # no consent to be contacted
    assert person.target_public.label not in page
    assert "1960" not in page  # no birth date
    assert JournalEntry.objects.filter(action="orientation.beneficiary.viewed").count() == 1


def test_mediator_reassessment_shows_the_gain(world, login):

    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    assessment_record(
        beneficiary=person,
        membership=world.agent,
        answers={int(k[1:]): int(v) for k, v in _answers(world.questionnaire, 0).items()},
    )
    referral = ReferralFactory(
        beneficiary=person, mediator=world.mediator_org, place=world.place_near
    )
    client = login(world.mediator)
    url = reverse("orientation:mediator_reassess", args=[referral.pk])
    assert client.get(url).status_code == 200
    client.post(url, _answers(world.questionnaire, 2))
    assert person.assessments.count() == 2
    page = client.get(reverse("orientation:mediator_referral", args=[referral.pk])).content.decode()
    assert "+20 points" in page


def _registered(world):
    return BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)


def test_scanning_a_cheques_qr_code_hands_over_its_chequebook(world, login):

    person = _registered(world)
    book = world.chequebooks[1]
    cheque = book.cheques.order_by("position").first()
    client = login(world.agent)
    url = reverse("orientation:flow_handover", args=[person.pk])
    bad = client.post(url, {"chequebook_number": f"PASSNUM:{cheque.number}:WRONG000"})
    assert bad.status_code == 200
    book.refresh_from_db()
    assert book.state == ChequebookState.AT_FRONT_DESK
    response = client.post(
        url, {"chequebook_number": f"PASSNUM;{cheque.number};{TEST_CHEQUE_CODE}"}
    )
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.state == ChequebookState.HANDED_OUT and book.beneficiary == person


def test_a_chequebook_of_another_desk_cannot_be_handed_over(world, login):

    person = _registered(world)
    elsewhere = ChequebookFactory(
        state=ChequebookState.AT_FRONT_DESK,
        holder=BeneficiaryFactory().registered_by_organisation,
        vintage=world.vintage,
        envelope=world.chequebooks[0].envelope,
    )
    client = login(world.agent)
    page = client.post(
        reverse("orientation:flow_handover", args=[person.pk]),
        {"chequebook_number": str(elsewhere.number)},
    ).content.decode()
    assert "Aucun chéquier de ce numéro" in page
    elsewhere.refresh_from_db()
    assert elsewhere.state == ChequebookState.AT_FRONT_DESK


def test_an_autonomous_person_may_leave_without_a_chequebook(world, login):

    person = _registered(world)
    answers = {int(k[1:]): int(v) for k, v in _answers(world.questionnaire, 2).items()}
    assessment = assessment_record(beneficiary=person, membership=world.agent, answers=answers)
    client = login(world.agent)
    url = reverse("orientation:flow_handover", args=[person.pk])
    assert "Ne pas remettre de chéquier" in client.get(url).content.decode()
    response = client.post(url, {"action": "no_handover", "reason": "Autonome, pas de besoin"})
    assert response.url == reverse("orientation:flow_refer", args=[person.pk])
    assessment.refresh_from_db()
    assert assessment.handover_decision is False


def test_going_back_to_the_assessment_shows_the_answers_and_corrects_them(world, login):
    person = _registered(world)
    client = login(world.agent)
    url = reverse("orientation:flow_assess", args=[person.pk])
    answers = _answers(world.questionnaire, 1)
    client.post(url, answers)
    page = client.get(url).content.decode()
    radios = re.findall(r'<input type="radio"[^>]*>', page)
    checked = {re.search(r'value="(\d+)"', r).group(1) for r in radios if " checked" in r}
    assert checked == set(answers.values())  # exactly the answers given, one per question
    client.post(url, {**_answers(world.questionnaire, 2), "correct": "1"})
    assert person.assessments.count() == 1
    assert person.assessments.get().level_code == "autonome"


def test_the_same_person_registered_at_two_desks_gets_one_chequebook_per_vintage(world, login):

    here = _registered(world)
    here.identity_key = "dupre|jeanne|1952-03-04"
    here.save()
    elsewhere = HandedOutChequebookFactory(
        vintage=world.vintage, envelope=world.chequebooks[0].envelope
    )
    elsewhere.beneficiary.identity_key = here.identity_key
    elsewhere.beneficiary.save()

    with pytest.raises(ValidationError, match="déjà un chéquier du millésime"):
        beneficiary_hand_over(
            beneficiary=here,
            chequebook_number=world.chequebooks[0].number,
            membership=world.agent,
        )
    world.chequebooks[0].refresh_from_db()
    assert world.chequebooks[0].state == ChequebookState.AT_FRONT_DESK


def test_mediator_records_the_first_session_then_completes(world, login):

    referral = ReferralFactory(
        mediator=world.mediator_org, place=world.place_near, state=ReferralState.ACCEPTED
    )
    client = login(world.mediator)
    url = reverse("orientation:referral_progress", args=[referral.pk])
    client.post(url, {"action": "complete"})  # not yet: refused, nothing changes
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACCEPTED
    client.post(url, {"action": "first_session"})
    client.post(url, {"action": "complete"})
    referral.refresh_from_db()
    assert referral.state == ReferralState.COMPLETED
    other = ReferralFactory(state=ReferralState.ACCEPTED)
    url = reverse("orientation:referral_progress", args=[other.pk])
    assert client.post(url, {"action": "first_session"}).status_code == 404


def test_person_history_includes_its_referrals_events(world, login):

    person = _registered(world)
    referral = ReferralFactory(
        beneficiary=person, mediator=world.mediator_org, place=world.place_near
    )
    referral_decline(referral=referral, membership=world.mediator, reason="Atelier complet")
    client = login(world.agent)
    page = client.get(reverse("orientation:person_detail", args=[person.pk])).content.decode()
    assert "a refusé l&#x27;orientation n°" in page and "Atelier complet" in page


def test_outside_aveyron_needs_no_commune_but_one_of_them_is_needed(world, login):
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    page = client.post(url, _person_data(world, commune="")).content.decode()
    assert "Indiquez la commune" in page and not Beneficiary.objects.exists()
    page = client.post(url, _person_data(world, commune="Paris")).content.decode()
    assert "Choisissez une commune de l" in page
    client.post(url, _person_data(world, commune="", outside_aveyron="on"))
    person = Beneficiary.objects.get()
    assert person.outside_aveyron and person.commune is None


def test_export_as_pdf_for_the_person_is_journaled(world, login):
    person = _registered(world)
    client = login(world.agent)
    response = client.get(reverse("orientation:person_export_pdf", args=[person.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert person.last_name in text
    entry = JournalEntry.objects.get(action="orientation.beneficiary.exported")
    assert entry.details == {"format": "PDF"}
    other = BeneficiaryFactory()
    assert client.get(reverse("orientation:person_export_pdf", args=[other.pk])).status_code == 404


def test_people_list_says_where_each_person_is(world, login):

    registered = _registered(world)
    referred = _registered(world)
    ReferralFactory(beneficiary=referred, mediator=world.mediator_org, place=world.place_near)
    client = login(world.agent)
    page = client.get(reverse("orientation:person_list")).content.decode()
    assert "Inscrite" in page and "Orientation : proposée" in page
    assert registered.last_name in page


def test_new_person_link_forgets_the_last_person_but_not_what_was_typed(world, login):
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    client.post(url, _person_data(world))  # registered
    client.get(url + "?reset=1")
    assert client.get(url).status_code == 200  # an empty form, not the last person's page
    client.post(url, _person_data(world, last_name="Autre", consent_given=""))  # not yet
    client.get(url + "?reset=1")
    assert 'value="Autre"' in client.get(url).content.decode()


def test_correcting_the_assessment_keeps_the_no_handover_reason_and_step_3_shows_it(world, login):
    person = _registered(world)
    client = login(world.agent)
    url = reverse("orientation:flow_assess", args=[person.pk])
    handover = reverse("orientation:flow_handover", args=[person.pk])
    client.post(url, _answers(world.questionnaire, 2))
    client.post(handover, {"action": "no_handover", "reason": "Autonome, pas de besoin"})
    # back to step 2, the same answers sent again with "Corriger" ticked (its default)
    assert 'id="id_correct" checked' in client.get(url).content.decode()
    client.post(url, {**_answers(world.questionnaire, 2), "correct": "1"})
    assessment = Assessment.objects.get()
    assert assessment.handover_decision is False
    assert assessment.no_handover_reason == "Autonome, pas de besoin"
    page = client.get(handover).content.decode()
    assert "Non-remise déjà enregistrée" in page
    assert page.count("Autonome, pas de besoin") == 2  # in the notice and in the field


def test_correcting_the_assessment_keeps_the_handed_over_flag(world, login):
    person = _registered(world)
    client = login(world.agent)
    url = reverse("orientation:flow_assess", args=[person.pk])
    client.post(url, _answers(world.questionnaire, 0))
    client.post(
        reverse("orientation:flow_handover", args=[person.pk]),
        {"action": "hand_over", "chequebook_number": str(world.chequebooks[0].number)},
    )
    assert Assessment.objects.get().handover_decision is True
    client.post(url, {**_answers(world.questionnaire, 1), "correct": "1"})
    assessment = Assessment.objects.get()
    assert assessment.handover_decision is True and assessment.level_code == "avec-guidage"


def test_referral_step_lists_by_default_only_places_offering_a_suggested_service(world, login):

    person = _registered(world)
    person.commune = world.rodez
    person.save()
    assessment = assessment_record(
        beneficiary=person,
        membership=world.agent,
        answers={int(k[1:]): int(v) for k, v in _answers(world.questionnaire, 0).items()},
    )
    assert assessment.suggested_services
    bare = PlaceFactory(organisation=world.mediator_org, commune=world.rodez, name="Lieu nu")
    bare.services.clear()
    client = login(world.agent)
    url = reverse("orientation:flow_refer", args=[person.pk])
    page = client.get(url).content.decode()
    assert "Lieu nu" not in page
    assert "Lieu de Millau" in page and "Voir tous les lieux" in page
    # a place outside the list shown cannot be posted
    response = client.post(url, {"place": bare.pk})
    assert response.status_code == 200 and not Referral.objects.exists()
    page = client.get(url, {"service": "tous"}).content.decode()
    assert page.index("Lieu de Rodez") < page.index("Lieu nu") < page.index("Lieu de Millau")
    response = client.post(f"{url}?service=tous", {"place": bare.pk})
    assert Referral.objects.get().place == bare


def test_opening_a_record_to_edit_it_is_journaled(world, login):
    person = _registered(world)
    client = login(world.agent)
    page = client.get(reverse("orientation:person_edit", args=[person.pk])).content.decode()
    assert person.first_name in page
    entry = JournalEntry.objects.get(action="orientation.beneficiary.viewed")
    assert entry.actor == world.agent.user and entry.target_id == str(person.pk)
    assert entry.organisation == world.desk


@pytest.mark.parametrize("state", [ReferralState.DECLINED, ReferralState.LAPSED])
def test_a_mediator_no_longer_sees_a_person_once_the_referral_is_declined_or_lapsed(
    world, login, state
):

    person = BeneficiaryFactory(
        registered_by_organisation=world.desk,
        target_public=world.public,
        phone="0622222222",
        contact_consent=True,
    )
    referral = ReferralFactory(
        beneficiary=person, mediator=world.mediator_org, place=world.place_near
    )
    client = login(world.mediator)
    detail = reverse("orientation:mediator_referral", args=[referral.pk])
    reassess = reverse("orientation:mediator_reassess", args=[referral.pk])
    assert (
        "06\u00a022\u00a022\u00a022\u00a022" in client.get(detail).content.decode()
    )  # grouped by two
    assert client.get(reassess).status_code == 200
    if state == ReferralState.DECLINED:
        referral_decline(referral=referral, membership=world.mediator, reason="Complet")
    else:
        referral_lapse(referral=referral)
    assert client.get(detail).status_code == 404
    assert client.get(reassess).status_code == 404
    assert client.post(reassess, _answers(world.questionnaire, 2)).status_code == 404
    assert not beneficiaries_visible_to(world.mediator).filter(pk=person.pk).exists()
    assert person.last_name not in client.get(reverse("orientation:inbox")).content.decode()


def test_a_mediator_still_sees_a_person_whose_support_is_completed(world, login):

    referral = ReferralFactory(
        mediator=world.mediator_org, place=world.place_near, state=ReferralState.COMPLETED
    )
    client = login(world.mediator)
    url = reverse("orientation:mediator_referral", args=[referral.pk])
    assert client.get(url).status_code == 200


def test_what_was_typed_before_consent_expires_with_the_idle_timeout(world, login, settings):

    settings.PASSNUM_SESSION_IDLE_SECONDS = 1800
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    with freeze_time("2026-03-02 10:00"):
        client.post(url, _person_data(world, consent_given=""))
    with freeze_time("2026-03-02 10:29"):
        page = client.get(url).content.decode()
        assert 'value="Dupré"' in page and "Effacer la saisie" in page
        client.post(url, _person_data(world, consent_given=""))  # typed again: kept 30 min more
    with freeze_time("2026-03-02 10:58"):
        assert 'value="Dupré"' in client.get(url).content.decode()
    with freeze_time("2026-03-02 11:20"):  # the agent works on (the session stays open)...
        assert client.get(reverse("orientation:person_list")).status_code == 200
    with freeze_time("2026-03-02 11:35"):  # ...but what was typed at 10:29 is gone
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and "Nouvelle personne" in page  # still logged in
        assert 'value="Dupré"' not in page and "0611223344" not in page
        assert "orientation_new_person" not in client.session


def test_the_agent_clears_what_was_typed_and_the_finished_flow_forgets_it(world, login):
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    client.post(url, _person_data(world, consent_given=""))
    page = client.get(url).content.decode()
    assert f'formaction="{reverse("orientation:flow_clear")}"' in page
    # A GET changes nothing: clearing is a POST.
    assert client.get(reverse("orientation:flow_clear")).status_code == 405
    client.get(url + "?effacer=1")
    assert 'value="Dupré"' in client.get(url).content.decode()
    client.post(reverse("orientation:flow_clear"), _person_data(world, consent_given=""))
    assert "orientation_new_person" not in client.session
    assert 'value="Dupré"' not in client.get(url).content.decode()
    client.post(url, _person_data(world))
    person = Beneficiary.objects.get()
    key = str(world.agent.pk)
    assert client.session["orientation_new_person"][key]["beneficiary"] == person.pk
    client.post(
        reverse("orientation:flow_refer", args=[person.pk]) + "?service=tous",
        {"place": world.place_near.pk},
    )
    assert "orientation_new_person" not in client.session


def test_a_draft_typed_at_one_desk_does_not_show_at_another(world, login):
    """The same agent works for two front desks: what was typed at desk A (not registered)
    is not shown after switching to desk B, and is still there back at desk A."""

    other_desk = EpciFrontDeskFactory(
        name="Autre accueil", epci=world.rodez.epci, commune=world.rodez
    )
    at_b = evaluator_membership(user=world.agent.user, organisation=other_desk)
    client = login(world.agent)
    url = reverse("orientation:flow_start")
    client.post(url, _person_data(world, consent_given=""))
    assert 'value="Dupré"' in client.get(url).content.decode()

    assert client.post(reverse("organisation_switch"), {"membership": at_b.pk}).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="Dupré"' not in page and "0611223344" not in page
    assert "Effacer la saisie" not in page

    client.post(reverse("organisation_switch"), {"membership": world.agent.pk})
    assert 'value="Dupré"' in client.get(url).content.decode()
