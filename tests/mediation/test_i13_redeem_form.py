"""Issue 13: a redemption form that cannot trap a mediator. The error summary leads to each
field in error, the cheques are checked even when the activity is refused (without a way
around the wrong codes' throttle), the form starts from a referral, the success message comes
before the next action, and the activity's history shows its redemptions."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.models import Redemption, RedemptionAttempt
from mediation.services import WRONG_CODE_LIMIT
from tests.factories import AssessmentFactory, ReferralFactory

from .conftest import CODE, handed_out, make_mediator

pytestmark = pytest.mark.django_db


def _post(client, lines, **extra):
    """The form as a browser sends it: ``lines`` are (number, code)."""
    data = {
        "token": extra.pop("token", "tok-i13"),
        "kind": "individual",
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i, (number, code) in enumerate(lines, start=1):
        data[f"number_{i}"] = str(number)
        data[f"code_{i}"] = code
    data.update(extra)
    return client.post(reverse("mediation:redeem"), data)


def _summary(body):
    match = re.search(r'<div class="error-summary".*?</div>', body, re.S)
    assert match, "no error summary on the refused form"
    return match.group(0)


def test_without_a_theme_the_summary_links_to_the_themes_and_the_cheques_are_answered(
    mediator, chequebook, login
):
    client = login(mediator)
    good, wrong = chequebook.cheques.order_by("position")[:2]
    response = _post(client, [(good.number, CODE), (wrong.number, "AAAAAAAA")])
    body = response.content.decode()
    assert response.status_code == 200
    summary = _summary(body)
    assert 'href="#id_themes"' in summary and "Thèmes abordés" in summary
    # The refused cheque is in the summary, linked to its line; the good one is answered.
    assert 'href="#id_number_2"' in summary and "Code de sécurité erroné" in summary
    assert "Chèque valable : il sera encaissé une fois l&#x27;activité corrigée." in body
    assert 'data-error-summary tabindex="-1"' in summary  # focusable: the script focuses it
    assert not Redemption.objects.exists()
    # The wrong code counts for the throttle, as on the check page (cheque_check).
    assert RedemptionAttempt.objects.filter(reason="wrong_code").count() == 1


def test_checking_cheques_on_a_refused_form_is_no_way_around_the_throttle(
    mediator, chequebook, login
):
    client = login(mediator)
    cheque = chequebook.cheques.order_by("position").first()
    for i in range(WRONG_CODE_LIMIT):
        _post(client, [(cheque.number, f"WRONG{i:03d}")], token=f"t{i}")
    body = _post(client, [(cheque.number, CODE)], token="last").content.decode()
    assert "Trop de codes erronés" in body
    assert "Chèque valable" not in body


def test_a_form_without_any_cheque_leads_to_the_first_line(mediator, login):
    client = login(mediator)
    body = _post(client, [], themes=["email"]).content.decode()
    summary = _summary(body)
    assert 'href="#id_number_1"' in summary and "au moins un chèque" in summary


def test_the_form_starts_from_a_referral_with_its_place_and_suggested_themes(
    mediator, chequebook, login
):
    place = mediator.organisation.places.first()
    referral = ReferralFactory(
        beneficiary=chequebook.beneficiary,
        mediator=mediator.organisation,
        place=place,
        assessment=AssessmentFactory(
            beneficiary=chequebook.beneficiary,
            suggested_services=[
                "Aide aux démarches administratives",
                "Utilisation sécurisée du numérique",
            ],
        ),
    )
    client = login(mediator)
    body = client.get(reverse("mediation:redeem") + f"?orientation={referral.pk}").content.decode()
    assert re.search(rf'<option value="{referral.pk}" selected>', body)
    assert re.search(rf'<option value="{place.pk}" selected>', body)
    assert re.search(r'value="procedures"[^>]*checked', body)
    assert re.search(r'value="security"[^>]*checked', body)
    assert not re.search(r'value="email"[^>]*checked', body)


def test_a_referral_of_another_mediator_or_a_guessed_id_is_a_404(mediator, login):
    other = make_mediator(name="Médiation C")
    referral = ReferralFactory(mediator=other.organisation)
    client = login(mediator)
    url = reverse("mediation:redeem")
    assert client.get(f"{url}?orientation={referral.pk}").status_code == 404
    assert client.get(f"{url}?orientation=abc").status_code == 404
    assert client.get(f"{url}?orientation=999999").status_code == 404


def test_the_referral_page_offers_to_redeem_for_the_person_while_it_is_open(mediator, login):
    referral = ReferralFactory(mediator=mediator.organisation)
    client = login(mediator)
    link = reverse("mediation:redeem") + f"?orientation={referral.pk}"
    page = client.get(reverse("orientation:mediator_referral", args=[referral.pk]))
    assert "Encaisser pour cette personne" in page.content.decode()
    assert link in page.content.decode()
    referral.state = "completed"
    referral.save()
    page = client.get(reverse("orientation:mediator_referral", args=[referral.pk]))
    assert "Encaisser pour cette personne" not in page.content.decode()


def test_after_a_redemption_the_message_comes_before_the_next_action_and_history_shows_it(
    mediator, vintage, envelope, login
):
    book = handed_out(vintage, envelope)
    cheques = list(book.cheques.order_by("position")[:2])
    client = login(mediator)
    response = _post(client, [(c.number, CODE) for c in cheques], themes=["email"])
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    message = body.index("Encaissement enregistré : 2 chèques encaissés")
    assert message < body.index("Encaisser d'autres chèques")
    assert f"a encaissé le chèque {cheques[0].number}" in body
    assert "Aucun événement" not in body


def test_another_form_of_the_site_shows_the_same_summary(db, login):
    from tests.factories import cd12_desk_agent

    agent = cd12_desk_agent()
    client = login(agent)
    body = client.post(reverse("orientation:flow_start"), {}).content.decode()
    summary = _summary(body)
    assert 'href="#id_first_name"' in summary and 'href="#id_last_name"' in summary
