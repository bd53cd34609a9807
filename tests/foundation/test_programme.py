"""Programme reference data: the loader, and editing by programme managers (journaled)."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from passnum.audit.models import JournalEntry
from passnum.programme.models import (
    BudgetLine,
    Envelope,
    Funder,
    Programme,
    Service,
    TargetPublic,
    Vintage,
)
from passnum.programme.selectors import EPCI_ENVELOPE_TOTAL, budget_total_cents
from passnum.programme.services import programme_load_aveyron, split_evenly
from passnum.territory.models import Commune, Epci, Side
from tests.factories import MembershipFactory, evaluator_membership, manager_membership

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in [
            Commune,
            Epci,
            Service,
            TargetPublic,
            Programme,
            Funder,
            BudgetLine,
            Envelope,
            Vintage,
        ]
    }


def test_the_loader_loads_the_aveyron_programme(reference_data):
    assert Commune.objects.count() == 285
    assert Epci.objects.count() == 20
    assert Epci.objects.filter(is_partner=True).count() == 17
    assert Service.objects.count() == 9
    assert TargetPublic.objects.filter(side=Side.CD12).count() == 6
    assert TargetPublic.objects.filter(side=Side.EPCI).count() == 8
    assert budget_total_cents(reference_data) == 1_064_920_00
    assert Envelope.objects.get(side=Side.CD12).chequebook_target == 6000
    epci_envelopes = Envelope.objects.filter(side=Side.EPCI)
    assert epci_envelopes.count() == 17
    assert sum(e.chequebook_target for e in epci_envelopes) == 3000
    assert set(Vintage.objects.values_list("year", flat=True)) == {2020, 2021, 2022}
    vintage = Vintage.objects.get(year=2021)
    assert vintage.valid_from == datetime.date(2021, 1, 1)
    assert vintage.valid_until == datetime.date(2022, 1, 31)
    assert (
        vintage.face_value_cents,
        vintage.commissioner_cost_cents,
        vintage.mediator_net_cents,
        vintage.cheques_per_chequebook,
    ) == (1000, 1040, 960, 10)


def test_every_commune_belongs_to_an_epci(reference_data):
    assert not Commune.objects.filter(epci__isnull=True).exists()


def test_the_loader_is_idempotent(reference_data):
    before = _counts()
    programme_load_aveyron()
    programme_load_aveyron()
    assert _counts() == before


def test_the_loader_keeps_a_managers_partner_choice(reference_data):
    Epci.objects.update(is_partner=False)
    chosen = Epci.objects.order_by("name").first()
    Epci.objects.filter(pk=chosen.pk).update(is_partner=True)
    programme_load_aveyron()
    assert list(Epci.objects.filter(is_partner=True)) == [chosen]


@pytest.mark.parametrize("total,parts", [(3000, 17), (10, 3), (5, 5), (0, 4)])
def test_split_evenly_adds_up_and_differs_by_at_most_one(total, parts):
    shares = split_evenly(total, parts)
    assert sum(shares) == total and len(shares) == parts
    assert max(shares) - min(shares) <= 1


# --- Pages and editing ---------------------------------------------------------------------------


@pytest.fixture
def manager(reference_data, client, login):
    membership = manager_membership()
    login(membership)
    return membership


PAGES = [
    ("programme:overview", []),
    ("programme:edit", []),
    ("programme:budget", []),
    ("programme:budget_line_new", []),
    ("programme:envelopes", []),
    ("programme:vintages", []),
    ("programme:vintage_new", []),
    ("programme:publics", []),
    ("programme:partners", []),
    ("programme:communes", []),
]


@pytest.mark.parametrize("name,args", PAGES)
def test_programme_pages_serve_managers_only(client, login, manager, name, args):
    assert client.get(reverse(name, args=args)).status_code == 200
    login(evaluator_membership())
    assert client.get(reverse(name, args=args)).status_code == 404


def test_the_overview_has_a_query_budget(client, manager, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = client.get(reverse("programme:overview"))
    page = response.content.decode()
    assert "1\u00a0064\u00a0920,00\u00a0€" in page
    assert "Programme 2020–2022" in page  # a year is not a grouped number


def test_a_manager_edits_a_budget_line_in_euros_stored_in_cents(client, manager):
    line = BudgetLine.objects.get(funder__kind=Funder.Kind.CD12)
    response = client.post(
        reverse("programme:budget_line_edit", args=[line.pk]),
        {"funder": line.funder_id, "label": line.label, "year": "", "amount_cents": "310 000,50"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount_cents == 31_000_050
    entry = JournalEntry.objects.get(action="programme.budget_line.updated")
    assert entry.actor == manager.user
    assert "300\u00a0000,00\u00a0€ → 310\u00a0000,50\u00a0€" in entry.sentence
    page = client.get(reverse("programme:budget")).content.decode()
    assert "310\u00a0000,50\u00a0€" in page


@pytest.mark.parametrize(
    "amount,message",
    [("-5", "négatif"), ("12,345", "deux chiffres"), ("beaucoup", "Saisissez un montant")],
)
def test_a_wrong_amount_is_refused_in_french_next_to_the_field(client, manager, amount, message):
    line = BudgetLine.objects.first()
    response = client.post(
        reverse("programme:budget_line_edit", args=[line.pk]),
        {"funder": line.funder_id, "label": "X", "amount_cents": amount},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["amount_cents"]
    assert any(message in e for e in errors)
    assert "field-has-error" in response.content.decode()


def test_a_budget_line_outside_the_programme_years_is_refused(client, manager):
    funder = Funder.objects.first()
    response = client.post(
        reverse("programme:budget_line_new"),
        {"funder": funder.pk, "label": "Hors période", "year": "2030", "amount_cents": "10"},
    )
    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    assert not BudgetLine.objects.filter(label="Hors période").exists()


def test_a_manager_renames_the_programme_and_its_years_stay_ordered(client, manager):
    url = reverse("programme:edit")
    bad = client.post(url, {"name": "Pass", "start_year": 2022, "end_year": 2020})
    assert bad.status_code == 200 and "end_year" in bad.context["form"].errors
    ok = client.post(url, {"name": "Pass numérique 12", "start_year": 2020, "end_year": 2024})
    assert ok.status_code == 302
    assert Programme.objects.get().end_year == 2024
    assert JournalEntry.objects.filter(action="programme.programme.updated").count() == 1


def test_a_manager_splits_the_epci_envelope(client, manager):
    form_page = client.get(reverse("programme:envelopes"))
    data = {name: field.initial for name, field in form_page.context["form"].fields.items()}
    epci_names = [n for n in data if n.startswith("epci_")]
    data[epci_names[0]] += 10
    data["cd12"] = 5990
    response = client.post(reverse("programme:envelopes"), data)
    assert response.status_code == 302
    assert Envelope.objects.get(side=Side.CD12).chequebook_target == 5990
    assert JournalEntry.objects.filter(action="programme.envelope.updated").count() == 2
    page = client.get(reverse("programme:envelopes")).content.decode()
    assert "3\u00a0010" in page and "ne correspond pas" in page


def test_a_manager_creates_and_edits_a_vintage_with_its_rules(client, manager, login):
    data = {
        "year": 2026,
        "valid_from": "2026-01-01",
        "valid_until": "2027-01-31",
        "face_value_cents": "10,00",
        "commissioner_cost_cents": "10,40",
        "mediator_net_cents": "9,60",
        "cheques_per_chequebook": "5",
    }
    assert client.post(reverse("programme:vintage_new"), data).status_code == 302
    vintage = Vintage.objects.get(year=2026)
    assert vintage.cheques_per_chequebook == 5 and vintage.commissioner_cost_cents == 1040

    bad = {**data, "mediator_net_cents": "11,00", "valid_until": "2025-12-31"}
    response = client.post(reverse("programme:vintage_edit", args=[vintage.pk]), bad)
    assert response.status_code == 200
    assert {"mediator_net_cents", "valid_until"} <= set(response.context["form"].errors)

    duplicate = client.post(reverse("programme:vintage_new"), data)
    assert "year" in duplicate.context["form"].errors

    frozen = {**data, "handover_frozen": "on"}
    edit = reverse("programme:vintage_edit", args=[vintage.pk])
    with freeze_time("2026-06-01 10:00"):
        login(manager)
        client.post(edit, frozen)
        vintage.refresh_from_db()
        assert vintage.handover_frozen and vintage.handover_frozen_at is not None
        client.post(edit, data)
        page = client.get(edit).content.decode()
    vintage.refresh_from_db()
    # Unfrozen in June, before 15 December: the automatic freeze still comes.
    assert not vintage.handover_frozen and not vintage.freeze_lifted
    assert JournalEntry.objects.filter(action="programme.vintage.updated").count() == 2
    history = page.split('id="historique"', 1)[1]
    assert history.count("<li>") == 3  # created, then updated twice, in French sentences
    with freeze_time("2026-12-16 10:00"):
        login(manager)
        client.post(edit, frozen)
        client.post(edit, data)
    vintage.refresh_from_db()
    # Unfrozen on or after 15 December: lifted for good.
    assert not vintage.handover_frozen and vintage.freeze_lifted


def test_a_manager_adds_renames_and_deactivates_a_target_public(client, manager):
    response = client.post(
        reverse("programme:publics"), {"side": Side.EPCI, "label": "Personnes détenues"}
    )
    assert response.status_code == 302
    public = TargetPublic.objects.get(label="Personnes détenues")
    assert public.side == Side.EPCI and public.is_active
    duplicate = client.post(
        reverse("programme:publics"), {"side": Side.EPCI, "label": "personnes détenues"}
    )
    assert "label" in duplicate.context["form"].errors
    client.post(
        reverse("programme:public_edit", args=[public.pk]),
        {"label": "Personnes sous main de justice"},
    )
    public.refresh_from_db()
    assert public.label == "Personnes sous main de justice" and not public.is_active
    sentences = [
        e.sentence for e in JournalEntry.objects.filter(action__startswith="programme.target")
    ]
    assert any("désactivé" in s or "actif : oui → non" in s for s in sentences)


def test_a_manager_changes_the_partner_list(client, manager):
    partners = list(Epci.objects.filter(is_partner=True).values_list("pk", flat=True))
    outsider = Epci.objects.filter(is_partner=False).first()
    chosen = partners[1:] + [outsider.pk]
    response = client.post(reverse("programme:partners"), {"partners": chosen})
    assert response.status_code == 302
    assert set(Epci.objects.filter(is_partner=True).values_list("pk", flat=True)) == set(chosen)
    assert JournalEntry.objects.filter(action="programme.epci.partner_added").count() == 1
    assert JournalEntry.objects.filter(action="programme.epci.partner_removed").count() == 1


def test_the_communes_list_searches_and_has_a_query_budget(
    client, manager, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programme:communes"))
    assert response.context["table"].paginator.count == 285
    found = client.get(reverse("programme:communes"), {"q": "Rodez"})
    names = [row.record.name for row in found.context["table"].paginated_rows]
    assert "Rodez" in names and all("rodez" in n.lower() for n in names)


def test_the_epci_envelope_total_is_the_seeds(reference_data):
    assert EPCI_ENVELOPE_TOTAL == 3000


def test_a_coordinator_cannot_edit_programme_data(client, login, reference_data):
    from passnum.organisations.models import Role
    from tests.factories import EpciOrganisationFactory

    login(MembershipFactory(organisation=EpciOrganisationFactory(), role=Role.EPCI_COORDINATOR))
    line = BudgetLine.objects.first()
    response = client.post(
        reverse("programme:budget_line_edit", args=[line.pk]),
        {"funder": line.funder_id, "label": "X", "amount_cents": "1"},
    )
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.label != "X"


def test_a_communes_postcode_is_its_first_one(reference_data):
    rodez = Commune.objects.get(name="Rodez")
    assert len(rodez.postcode) == 5 and rodez.postcode in rodez.postcodes
    for commune in Commune.objects.all():
        assert len(commune.postcode) == 5, commune.postcodes


def test_programme_data_is_refused_in_services_to_anyone_but_an_active_manager(reference_data):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from passnum.organisations.models import Role
    from passnum.programme.services import funder_update
    from tests.factories import EpciOrganisationFactory

    funder = Funder.objects.first()
    inactive = manager_membership(is_active=False, deactivated_at=timezone.now())
    coordinator = MembershipFactory(
        organisation=EpciOrganisationFactory(), role=Role.EPCI_COORDINATOR
    )
    for membership in (None, inactive, coordinator):
        with pytest.raises(
            ValidationError, match="Seul un gestionnaire du programme modifie ces données."
        ):
            funder_update(funder=funder, membership=membership, name="Autre")
    funder.refresh_from_db()
    assert funder.name != "Autre"


def test_the_current_programme_is_the_first_loaded(reference_data):
    from passnum.programme.selectors import programme_current
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(name="Un autre")
    assert programme_current() == reference_data


def test_without_a_programme_the_overview_is_not_found(client, login, db):
    login(manager_membership())
    assert client.get(reverse("programme:overview")).status_code == 404


def test_the_overview_sums_envelopes_and_active_publics_by_side(reference_data):
    from passnum.programme.selectors import programme_overview

    first_epci_public = TargetPublic.objects.filter(side=Side.EPCI).first()
    TargetPublic.objects.filter(pk=first_epci_public.pk).update(is_active=False)
    overview = programme_overview(reference_data)
    assert overview["envelopes"] == {"cd12": 6000, "epci": 3000}
    assert overview["publics"] == {"cd12": 6, "epci": 7}
    assert overview["budget_total"] == 1_064_920_00
    assert overview["partner_count"] == 17
