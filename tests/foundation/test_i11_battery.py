"""Malformed form posts and query parameters (issue 11): redemption, hand-over, person, place,
profile, programme amounts, stock forms, filters and ids in URLs. Each answers below 500 with
a French message (or, for an id in a URL, the page without it or a 404), and writes nothing."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from chequebooks.models import Chequebook, ChequebookState
from mediation.models import Activity, Agreement, Redemption
from passnum.directory.models import MediatorProfile, Place
from passnum.people.models import Beneficiary
from passnum.programme.models import BudgetLine, Envelope, Funder, TargetPublic, Vintage
from passnum.territory.models import Commune, Side
from tests.factories import (
    BeneficiaryFactory,
    ChequebookFactory,
    EpciFrontDeskFactory,
    HandedOutChequebookFactory,
    VintageFactory,
    evaluator_membership,
    manager_membership,
)
from tests.mediation.conftest import CODE, make_mediator

pytestmark = pytest.mark.django_db

NOT_A_NUMBER = "Saisissez un nombre en chiffres"
SCAN = "Saisissez un numéro en chiffres (0 à 9) ou scannez le QR code du chèque."
QR = "Ce QR code n'est pas celui d'un chèque Pass numérique."
AMOUNT = "Saisissez un montant en euros"
SIRET = "numéro SIRET n'est pas valide"
IBAN = "Cet IBAN n'est pas valide"


@pytest.fixture
def world(reference_data, login):
    w = type("World", (), {})()
    w.vintage = VintageFactory(programme=reference_data, year=timezone.localdate().year)
    w.rodez = Commune.objects.get(name="Rodez")
    w.desk = EpciFrontDeskFactory(epci=w.rodez.epci, commune=w.rodez)
    w.agent = evaluator_membership(organisation=w.desk)
    envelope = Envelope.objects.get(side=Side.EPCI, epci=w.rodez.epci)
    w.in_hand = ChequebookFactory(
        state=ChequebookState.AT_FRONT_DESK, holder=w.desk, envelope=envelope, vintage=w.vintage
    )
    w.public = TargetPublic.objects.get(code="epci-familles")
    w.person = BeneficiaryFactory(
        registered_by_organisation=w.desk, target_public=w.public, commune=w.rodez
    )
    w.mediator = make_mediator(name="Médiation battery")
    w.place = Place.objects.get(organisation=w.mediator.organisation)
    w.handed = HandedOutChequebookFactory(vintage=w.vintage, envelope=envelope)
    w.manager = manager_membership()
    w.funder = Funder.objects.filter(programme=reference_data).first() or Funder.objects.create(
        programme=reference_data, name="Financeur"
    )
    w.login = login
    return w


def _redeem(w, **override):
    data = {
        "token": "battery-token", "kind": "individual",
        "date": timezone.localdate().isoformat(), "duration_minutes": "60",
        "themes": ["email"], "referral": "", "place": "", "notes": "",
        "number_1": str(w.handed.cheques.first().number), "code_1": CODE,
    }  # fmt: skip
    data.update(override)
    return ("mediator", "post", reverse("mediation:redeem"), data)


def _handover(w, number):
    return (
        "agent", "post", reverse("orientation:flow_handover", args=[w.person.pk]),
        {"action": "hand_over", "chequebook_number": number},
    )  # fmt: skip


def _check(w, number):
    return ("mediator", "post", reverse("mediation:cheque_check"), {"number": number, "code": CODE})


def _person(w, **override):
    data = {
        "first_name": "Jeanne", "last_name": "Dupré", "birth_date": "1952-03-04",
        "commune": "Rodez (12000)", "phone": "0611223344", "contact_consent": "on",
        "target_public": str(w.public.pk), "consent_given": "on",
    }  # fmt: skip
    data.update(override)
    return ("agent", "post", reverse("orientation:flow_start"), data)


def _place(w, **override):
    data = {
        "name": "Lieu", "address": "1 rue", "commune": str(w.rodez.pk), "postcode": "12000",
        "latitude": "44.35", "longitude": "2.57", "opening_hours": "Mo-Fr 09:00-12:00",
        "opening_hours_text": "Le matin", "phone": "0565000000", "email": "a@example.org",
        "website": "", "contact_name": "", "summary": "", "is_active": "on",
    }  # fmt: skip
    data.update(override)
    return ("mediator", "post", reverse("mediation:place_create"), data)


def _profile(w, **override):
    profile = MediatorProfile.objects.get(organisation=w.mediator.organisation)
    data = {
        "legal_name": profile.legal_name, "siret": profile.siret,
        "legal_representative": "Camille Martin", "iban": profile.iban, "bic": profile.bic,
        "charter_accepted": "on",
    }  # fmt: skip
    data.update(override)
    return ("mediator", "post", reverse("mediation:profile_edit"), data)


def _vintage(w, **override):
    year = timezone.localdate().year + 5
    data = {
        "year": str(year), "valid_from": f"{year}-01-01", "valid_until": f"{year + 1}-01-31",
        "face_value_cents": "10,00", "commissioner_cost_cents": "10,00",
        "mediator_net_cents": "9,60", "cheques_per_chequebook": "10",
    }  # fmt: skip
    data.update(override)
    return ("manager", "post", reverse("programme:vintage_new"), data)


def _budget(w, **override):
    data = {"funder": str(w.funder.pk), "label": "Ligne", "year": "", "amount_cents": "1 000,00"}
    data.update(override)
    return ("manager", "post", reverse("programme:budget_line_new"), data)


def _get(who, name, params, args=()):
    return (who, "get", reverse(name, args=list(args)), params)


#: (id, a function of the world giving (who, method, url, data), the French words expected).
CASES = [
    # The redemption form's cheque lines and activity.
    ("redeem superscript", lambda w: _redeem(w, number_1="²"), SCAN),
    ("redeem beyond bigint", lambda w: _redeem(w, number_1="100000000000000000001"), "trop grand"),
    ("redeem arabic digits", lambda w: _redeem(w, number_1="١٢٣"), SCAN),
    ("redeem letters", lambda w: _redeem(w, number_1="12a4"), SCAN),
    ("redeem formula", lambda w: _redeem(w, number_1="=1+1"), SCAN),
    ("redeem bad qr", lambda w: _redeem(w, number_1="PASSNUM:abc:K7M9"), QR),
    ("redeem qr beyond", lambda w: _redeem(w, number_1="PASSNUM:1234567890123456789:K7M9"), QR),
    ("redeem qr superscript", lambda w: _redeem(w, number_1="PASSNUM:²:K7M9P2QX"), QR),
    ("redeem only spaces", lambda w: _redeem(w, number_1="   "), "au moins un chèque"),
    ("redeem zero", lambda w: _redeem(w, number_1="0"), "au moins 1"),
    ("redeem date text", lambda w: _redeem(w, date="hier"), "Saisissez une date valide"),
    ("redeem date impossible", lambda w: _redeem(w, date="2026-02-31"), "date valide"),
    ("redeem duration superscript", lambda w: _redeem(w, duration_minutes="²"), "nombre entier"),
    (
        "redeem duration huge",
        lambda w: _redeem(w, duration_minutes="9" * 30),
        "au plus 600 minutes",
    ),
    ("redeem kind unknown", lambda w: _redeem(w, kind="=1+1"), "Sélectionnez un choix valide"),
    # The cheque check (a mediator checks a cheque without redeeming it): its own words.
    ("check superscript", lambda w: _check(w, "²"), "Saisie illisible"),
    ("check beyond bigint", lambda w: _check(w, "100000000000000000001"), "Saisie illisible"),
    # The hand-over step (scanned or typed).
    ("handover superscript", lambda w: _handover(w, "²"), SCAN),
    ("handover beyond bigint", lambda w: _handover(w, "100000000000000000001"), "trop grand"),
    ("handover letters", lambda w: _handover(w, "abc"), SCAN),
    ("handover negative", lambda w: _handover(w, "-12"), SCAN),
    ("handover bad qr", lambda w: _handover(w, "PASSNUM:12:!!"), QR),
    ("handover unknown number", lambda w: _handover(w, "99999999999"), "Aucun chéquier"),
    ("handover empty", lambda w: _handover(w, ""), "Ce champ est obligatoire"),
    # A person's registration.
    ("person born year 1", lambda w: _person(w, birth_date="0001-01-01"), "trop ancienne"),
    ("person born in future", lambda w: _person(w, birth_date="2999-01-01"), "dans le futur"),
    (
        "person born tomorrow",
        lambda w: _person(
            w, birth_date=(timezone.localdate() + timezone.timedelta(days=1)).isoformat()
        ),
        "dans le futur",
    ),
    ("person birth text", lambda w: _person(w, birth_date="jamais"), "date valide"),
    ("person name too long", lambda w: _person(w, first_name="x" * 500), "au plus 150"),
    ("person public superscript", lambda w: _person(w, target_public="²"), "choix valide"),
    ("person public beyond", lambda w: _person(w, target_public="9" * 25), "choix valide"),
    # A mediation place.
    ("place latitude text", lambda w: _place(w, latitude="nord"), "Saisissez un nombre"),
    ("place latitude nan", lambda w: _place(w, latitude="NaN"), "Saisissez un nombre"),
    ("place latitude exponent", lambda w: _place(w, latitude="1e400"), "pas plus de 9 chiffres"),
    ("place commune superscript", lambda w: _place(w, commune="²"), "choix valide"),
    ("place commune beyond", lambda w: _place(w, commune="9" * 25), "choix valide"),
    ("place name empty", lambda w: _place(w, name=""), "Ce champ est obligatoire"),
    # The mediator's profile.
    (
        "profile siret superscript",
        lambda w: _profile(w, siret="²" * 14),
        "numéro SIRET n'est pas valide",
    ),
    (
        "profile siret letters",
        lambda w: _profile(w, siret="ABCDEFGHIJKLMN"),
        "numéro SIRET n'est pas valide",
    ),
    (
        "profile iban garbage",
        lambda w: _profile(w, iban="=HYPERLINK(1)"),
        "Cet IBAN n'est pas valide",
    ),
    # Programme amounts and dates.
    (
        "vintage value superscript",
        lambda w: _vintage(w, face_value_cents="1²"),
        "Saisissez un montant en euros",
    ),
    (
        "vintage value exponent",
        lambda w: _vintage(w, face_value_cents="1e5"),
        "Saisissez un montant en euros",
    ),
    (
        "vintage value nan",
        lambda w: _vintage(w, face_value_cents="NaN"),
        "Saisissez un montant en euros",
    ),
    (
        "vintage value huge",
        lambda w: _vintage(w, face_value_cents="9" * 25),
        "Saisissez un montant en euros",
    ),
    (
        "vintage value three decimals",
        lambda w: _vintage(w, face_value_cents="1,001"),
        "deux chiffres après la virgule",
    ),  # fmt: skip
    ("vintage year superscript", lambda w: _vintage(w, year="20²6"), "nombre entier"),
    ("vintage from year 1", lambda w: _vintage(w, valid_from="0001-01-01"), "trop ancienne"),
    ("vintage until 9999", lambda w: _vintage(w, valid_until="9999-12-31"), "trop lointaine"),
    (
        "budget amount superscript",
        lambda w: _budget(w, amount_cents="²"),
        "Saisissez un montant en euros",
    ),
    ("budget year beyond", lambda w: _budget(w, year="9" * 25), "trop grand"),
    ("budget year superscript", lambda w: _budget(w, year="²"), NOT_A_NUMBER),
    # Stock forms.
    (
        "lookup superscript",
        lambda w: _get("manager", "chequebooks:lookup", {"number": "²"}),
        NOT_A_NUMBER,
    ),  # fmt: skip
    (
        "lookup beyond bigint",
        lambda w: _get("manager", "chequebooks:lookup", {"number": "100000000000000000001"}),
        "trop grand",
    ),
    (
        "allocation range beyond",
        lambda w: (
            "manager",
            "post",
            reverse("chequebooks:allocation"),
            {"first_number": "9" * 25, "last_number": "²"},
        ),
        "trop grand",
    ),  # fmt: skip
    (
        "print run count superscript",
        lambda w: (
            "manager",
            "post",
            reverse("chequebooks:print_run_new"),
            {"chequebook_count": "²", "cheques_per_chequebook": "10"},
        ),
        NOT_A_NUMBER,
    ),  # fmt: skip
    # Filters.
    (
        "list filter superscript",
        lambda w: _get("manager", "chequebooks:chequebook_list", {"number": "²"}),
        NOT_A_NUMBER,
    ),
    (
        "list filter beyond bigint",
        lambda w: _get("manager", "chequebooks:chequebook_list", {"number": "1" + "0" * 20}),
        "trop grand",
    ),
    (
        "list filter vintage superscript",
        lambda w: _get("manager", "chequebooks:chequebook_list", {"vintage": "²"}),
        "choix valide",
    ),
    (
        "list filter vintage beyond",
        lambda w: _get("manager", "chequebooks:chequebook_list", {"vintage": "9" * 25}),
        "choix valide",
    ),
    (
        "dashboard period year 1",
        lambda w: _get("manager", "reporting:dashboard", {"period_start": "0001-01-01"}),
        "trop ancienne",
    ),
    (
        "dashboard period 9999",
        lambda w: _get("manager", "reporting:dashboard", {"period_end": "9999-12-31"}),
        "trop lointaine",
    ),
    (
        "dashboard period text",
        lambda w: _get("manager", "reporting:dashboard", {"period_start": "hier"}),
        "date valide",
    ),
    (
        "dashboard epci superscript",
        lambda w: _get("manager", "reporting:dashboard", {"epci": "²"}),
        "choix valide",
    ),
    (
        "report period 9999",
        lambda w: (
            "manager",
            "post",
            reverse("reporting:reports"),
            {"period_start": "2026-01-01", "period_end": "9999-12-31"},
        ),
        "trop lointaine",
    ),
]


def _counts():
    return (
        Redemption.objects.count(), Activity.objects.count(), Beneficiary.objects.count(),
        Place.objects.count(), Vintage.objects.count(), BudgetLine.objects.count(),
        Agreement.objects.count(),
        Chequebook.objects.filter(state=ChequebookState.HANDED_OUT).count(),
        list(MediatorProfile.objects.values_list("siret", "iban")),
    )  # fmt: skip


def test_the_battery_has_forty_posts_or_more():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, case, message", CASES, ids=[c[0] for c in CASES])
def test_a_malformed_input_is_refused_in_french_and_writes_nothing(world, name, case, message):
    who, method, url, data = case(world)
    membership = {"mediator": world.mediator, "agent": world.agent, "manager": world.manager}[who]
    client = world.login(membership)
    before = _counts()
    response = getattr(client, method)(url, data)
    assert response.status_code < 500
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    errors = _errors(response.content.decode())
    assert message in errors, (name, errors)
    assert _counts() == before


def _errors(page: str) -> str:
    """The text of the page's error lists (next to fields, above the form, in alerts)."""
    blocks = re.findall(
        r'<(ul|div|p|span)[^>]*(?:class="[^"]*error[^"]*"|role="alert")[^>]*>(.*?)</\1>',
        page,
        flags=re.S,
    )
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", b) for _, b in blocks))


#: Ids in a URL's query: ignored (the page without them) or a 404, never a 500.
QUERY_IDS = [
    ("chequebooks:stock", {"vintage": "²"}),
    ("chequebooks:stock", {"vintage": "9" * 25}),
    ("reporting:radar_expiring", {"jours": "²"}),
    ("reporting:radar_expiring", {"jours": "9" * 25}),
    ("chequebooks:chequebook_list", {"page": "²"}),
    ("chequebooks:chequebook_list", {"sort": "=1+1"}),
]


@pytest.mark.parametrize("name, params", QUERY_IDS)
def test_a_malformed_id_in_a_query_is_never_a_500(world, name, params):
    client = world.login(world.manager)
    response = client.get(reverse(name), params)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("value", ["²", "9" * 25, "-1", "abc"])
def test_a_malformed_replaced_chequebook_id_is_a_404(world, value):
    client = world.login(world.agent)
    url = reverse("chequebooks:hand_over", args=[world.in_hand.pk])
    assert client.get(url, {"remplace": value}).status_code == 404


@pytest.mark.parametrize(
    "name, who",
    [
        ("chequebooks:chequebook_detail", "manager"),
        ("orientation:person_detail", "agent"),
        ("mediation:mediator_detail", "manager"),
        ("mediation:place_edit", "mediator"),
        ("chequebooks:vintage_reconciliation", "manager"),
    ],
)
def test_an_id_beyond_every_column_in_a_url_is_a_404(world, name, who):
    membership = {"mediator": world.mediator, "agent": world.agent, "manager": world.manager}[who]
    client = world.login(membership)
    assert client.get(reverse(name, args=[10**25])).status_code == 404
