"""Mediator organisations: onboarding, SIRET/IBAN/BIC, qualification, places, agreements,
open-data export of places."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mediation.models import AgreementStatus
from mediation.services import (
    agreement_activate,
    agreement_create,
    agreement_terminate,
)
from passnum.directory.models import (
    MediatorProfile,
    Place,
    QualificationStatus,
    mediator_is_qualified,
)
from passnum.directory.services import (
    mediator_invite,
    mediator_profile_update,
    mediator_qualification_change,
    place_save,
)
from passnum.organisations.models import Invitation, OrganisationKind, Role
from passnum.programme.models import Service
from tests.factories import CommuneFactory, OwnerFactory, PlaceFactory

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture
def applicant(manager):
    organisation, token = mediator_invite(
        name="Numérique pour tous",
        commune=CommuneFactory(),
        email="Admin@Example.org",
        membership=manager,
    )
    from passnum.organisations.services import invitation_accept, invitation_find

    user = invitation_accept(
        invitation=invitation_find(token=token),
        password="un-mot-de-passe-solide",
        first_name="Alex",
        last_name="Admin",
    )
    return user.memberships.get(organisation=organisation)


def complete(profile, membership):
    return mediator_profile_update(
        profile=profile,
        membership=membership,
        charter_accepted=True,
        siret=VALID_SIRET,
        legal_name="Association Numérique pour tous",
        legal_representative="Alex Admin",
        iban=VALID_IBAN,
        bic="AGRIFRPP",
    )


def test_a_manager_invites_a_mediator_which_starts_as_applied(manager, applicant):
    organisation = applicant.organisation
    assert organisation.kind == OrganisationKind.MEDIATOR
    assert organisation.mediator_profile.qualification_status == QualificationStatus.APPLIED
    assert applicant.role == Role.ORG_ADMIN
    assert Invitation.objects.get(organisation=organisation).accepted_at is not None


def test_only_a_manager_invites(mediator):
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        mediator_invite(name="X", commune=None, email="x@example.org", membership=mediator)


@pytest.mark.parametrize("siret", ["73282932000075", "123", "7328293200007A", "00000000000001"])
def test_an_invalid_siret_is_refused(applicant, siret):
    profile = applicant.organisation.mediator_profile
    with pytest.raises(ValidationError) as exc:
        mediator_profile_update(profile=profile, membership=applicant, siret=siret)
    assert "siret" in exc.value.message_dict


@pytest.mark.parametrize("iban", ["FR7630006000011234567890188", "FR76300060", "XX00"])
def test_an_invalid_iban_is_refused(applicant, iban):
    with pytest.raises(ValidationError) as exc:
        mediator_profile_update(
            profile=applicant.organisation.mediator_profile, membership=applicant, iban=iban
        )
    assert "iban" in exc.value.message_dict


def test_an_invalid_bic_is_refused(applicant):
    with pytest.raises(ValidationError) as exc:
        mediator_profile_update(
            profile=applicant.organisation.mediator_profile, membership=applicant, bic="AGRI"
        )
    assert "bic" in exc.value.message_dict


def test_valid_siret_and_iban_are_stored_compact(applicant):
    profile = complete(applicant.organisation.mediator_profile, applicant)
    profile.refresh_from_db()
    assert profile.siret == VALID_SIRET
    assert profile.iban == VALID_IBAN.replace(" ", "")
    assert profile.charter_accepted_at is not None


def test_a_mediator_admin_cannot_edit_another_profile(applicant, mediator):
    with pytest.raises(ValidationError, match="Vous n'agissez pas pour cette structure"):
        mediator_profile_update(
            profile=mediator.organisation.mediator_profile, membership=applicant, legal_name="X"
        )


def test_qualification_needs_a_complete_profile_and_a_place(manager, applicant):
    profile = applicant.organisation.mediator_profile
    with pytest.raises(ValidationError, match="Le profil est incomplet"):
        mediator_qualification_change(profile=profile, status="qualified", membership=manager)
    complete(profile, applicant)
    with pytest.raises(ValidationError) as exc:
        mediator_qualification_change(profile=profile, status="qualified", membership=manager)
    assert "lieu" in str(exc.value)
    place_save(
        organisation=applicant.organisation,
        membership=applicant,
        name="Salle numérique",
        address="1 rue Haute",
        commune=CommuneFactory(),
        services=Service.objects.all()[:2],
    )
    profile = mediator_qualification_change(profile=profile, status="qualified", membership=manager)
    assert profile.qualification_status == QualificationStatus.QUALIFIED
    assert profile.qualified_at is not None


def test_suspension_needs_a_reason_and_disqualification_is_final(manager, mediator):
    profile = mediator.organisation.mediator_profile
    with pytest.raises(ValidationError, match="Indiquez le motif de la suspension"):
        mediator_qualification_change(profile=profile, status="suspended", membership=manager)
    profile = mediator_qualification_change(
        profile=profile, status="suspended", reason="Contrôle en cours", membership=manager
    )
    assert profile.status_reason == "Contrôle en cours" and profile.status_changed_at
    profile = mediator_qualification_change(profile=profile, status="qualified", membership=manager)
    mediator_qualification_change(
        profile=profile, status="disqualified", reason="Fraude", membership=manager
    )
    with pytest.raises(
        ValidationError, match="Passage impossible de « Déqualifié » à « Qualifié »"
    ):
        mediator_qualification_change(profile=profile, status="qualified", membership=manager)


def test_only_a_manager_changes_qualification(mediator):
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        mediator_qualification_change(
            profile=mediator.organisation.mediator_profile,
            status="suspended",
            reason="x",
            membership=mediator,
        )


def test_agreement_pdf_carries_the_terms_and_the_lifecycle(
    manager, mediator, vintage, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    start = timezone.localdate().replace(month=1, day=1)
    with django_capture_on_commit_callbacks(execute=True):  # the worker renders the PDF
        agreement = agreement_create(
            mediator=mediator.organisation,
            counterpart=OwnerFactory(),
            start_date=start,
            end_date=start.replace(year=start.year + 1),
            membership=manager,
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT and len(agreement.file_sha256) == 64
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(agreement.file.open("rb")).pages
    )
    assert "payé 9,60" in text
    assert "établi chaque mois pour les chèques encaissés le mois précédent" in text
    assert mediator.organisation.mediator_profile.iban in text.replace(" ", "")
    assert mediator.organisation.mediator_profile.siret in text
    agreement_activate(agreement=agreement, signed_at=start, membership=manager)
    with pytest.raises(ValidationError, match="Indiquez le motif de la résiliation"):
        agreement_terminate(agreement=agreement, membership=manager, reason="")
    agreement_terminate(agreement=agreement, membership=manager, reason="Fin d'activité")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED


def test_an_agreement_is_signed_with_cd12_or_an_epci(manager, mediator, other_mediator):
    with pytest.raises(ValidationError, match="avec le Département ou une intercommunalité"):
        agreement_create(
            mediator=mediator.organisation,
            counterpart=other_mediator.organisation,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
            membership=manager,
        )


def test_a_place_takes_its_communes_postcode(applicant):
    commune = CommuneFactory(postcodes="12850|12000")
    place = place_save(
        organisation=applicant.organisation,
        membership=applicant,
        name="Lieu",
        address="Rue",
        commune=commune,
    )
    assert place.postcode == "12850"


def test_only_active_places_of_qualified_mediators_are_offered_and_published(db):
    """One rule (Place.objects.of_qualified_mediators, mediator_is_qualified) for referral,
    open data and redemption: a mediator without a profile has not applied, so is not
    qualified."""
    from mediation.opendata import places_published
    from tests.factories import MediatorOrganisationFactory, MediatorProfileFactory

    qualified = PlaceFactory(organisation=MediatorProfileFactory().organisation)
    left_out = [
        PlaceFactory(
            organisation=MediatorProfileFactory(
                qualification_status=s, status_reason="" if s == "applied" else "motif"
            ).organisation
        )
        for s in ("applied", "suspended", "disqualified")
    ]
    no_profile = MediatorOrganisationFactory()
    left_out.append(PlaceFactory(organisation=no_profile))
    left_out.append(
        PlaceFactory(organisation=qualified.organisation, is_active=False, name="Fermé")
    )
    assert list(Place.objects.of_qualified_mediators()) == [qualified]
    assert list(places_published()) == [qualified]
    assert mediator_is_qualified(qualified.organisation)
    assert not mediator_is_qualified(no_profile)
    assert all(not mediator_is_qualified(p.organisation) for p in left_out[:4])


# --- Open data ----------------------------------------------------------------------------------


def _schema():
    from frictionless import Schema

    from mediation.opendata import SCHEMA_PATH

    return Schema.from_descriptor(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@pytest.fixture
def published_places(reference_data, mediator):
    profile = MediatorProfile.objects.get(organisation=mediator.organisation)
    profile.labels = ["#APTIC", "France Services"]
    profile.save()
    place = mediator.organisation.places.get()
    place.accessibility = ["Surdité", "Handicaps moteurs"]
    place.support_modes = ["Accompagnement individuel", "Dans un atelier collectif"]
    place.latitude, place.longitude = 44.35, 2.57
    place.save()
    place.services.set(Service.objects.all()[:3])
    return [place]


def test_open_data_csv_is_valid_against_the_national_schema(published_places, client):
    from frictionless import Resource

    response = client.get("/mediation/lieux/open-data.csv")
    assert response.status_code == 200
    report = Resource(response.content, format="csv", schema=_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    header, row = response.content.decode().splitlines()[:2]
    assert header.split(",")[:3] == ["id", "pivot", "nom"]
    assert "Gratuit sous condition" in row and "Surdité|Handicaps moteurs" in row


def test_open_data_json_uses_the_schema_field_names(published_places, client):
    from frictionless import Resource

    rows = json.loads(client.get("/mediation/lieux/open-data.json").content)
    assert rows and set(rows[0]) <= {f.name for f in _schema().fields}
    assert rows[0]["frais_a_charge"] == "Gratuit sous condition"
    assert rows[0]["dispositif_programmes_nationaux"] == "France Services"
    assert rows[0]["date_maj"] == timezone.localdate().isoformat()
    report = Resource(rows, schema=_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_places_of_unqualified_mediators_are_not_published(
    published_places, mediator, manager, client
):
    mediator_qualification_change(
        profile=mediator.organisation.mediator_profile,
        status="suspended",
        reason="Contrôle",
        membership=manager,
    )
    assert json.loads(client.get("/mediation/lieux/open-data.json").content) == []


def test_a_place_uses_the_schemas_vocabulary(applicant):
    with pytest.raises(ValidationError) as exc:
        place_save(
            organisation=applicant.organisation,
            membership=applicant,
            name="Lieu",
            address="Rue",
            commune=CommuneFactory(),
            accessibility=["Surdité", "Braille"],
        )
    assert "accessibility" in exc.value.message_dict


OTHER_IBAN = "FR1420041010050500013M02606"


@pytest.mark.parametrize("name", ["siret", "legal_name", "legal_representative", "iban", "bic"])
def test_a_qualified_mediator_cannot_blank_what_it_is_paid_with(mediator, manager, name):
    profile = mediator.organisation.mediator_profile
    for who in (mediator, manager):
        with pytest.raises(ValidationError) as exc:
            mediator_profile_update(profile=profile, membership=who, **{name: ""})
        assert name in exc.value.message_dict
    profile.refresh_from_db()
    assert getattr(profile, name)


def test_an_applicant_may_still_blank_its_draft(applicant):
    profile = complete(applicant.organisation.mediator_profile, applicant)
    mediator_profile_update(profile=profile, membership=applicant, iban="")
    profile.refresh_from_db()
    assert profile.iban == "" and not profile.bank_details_to_confirm


def test_bank_details_changed_by_the_mediator_wait_for_a_manager(
    mediator, manager, chequebook, redeem
):
    """The admin of a qualified mediator changes its IBAN: journaled, flagged, and its
    statement can be neither validated nor exported until a manager re-validates."""
    from mediation.models import Redemption
    from mediation.services import (
        statement_issue,
        statement_validate,
        statements_accounting_csv,
    )
    from passnum.audit.models import JournalEntry
    from passnum.directory.services import mediator_bank_details_confirm

    assert redeem(list(chequebook.cheques.all()[:2])).ok
    Redemption.objects.update(redeemed_at=timezone.now() - datetime.timedelta(days=40))
    month = (timezone.localdate() - datetime.timedelta(days=40)).replace(day=1)
    statement = statement_issue(mediator=mediator.organisation, period_start=month)
    profile = mediator.organisation.mediator_profile

    mediator_profile_update(profile=profile, membership=mediator, iban=OTHER_IBAN)
    profile.refresh_from_db()
    assert profile.iban == OTHER_IBAN and profile.bank_details_to_confirm
    entry = JournalEntry.objects.filter(action="mediation.profile.updated").latest("id")
    assert entry.details["fields"] == "IBAN" and "revalider" in entry.details["to_confirm"]
    assert entry.sentence.endswith(f"a modifié le profil de {profile} (IBAN)")
    with pytest.raises(ValidationError, match="revalider"):
        statement_validate(statement=statement, membership=manager)
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        mediator_bank_details_confirm(profile=profile, membership=mediator)  # not a manager

    mediator_bank_details_confirm(profile=profile, membership=manager)
    statement_validate(statement=statement, membership=manager)
    mediator_profile_update(profile=profile, membership=mediator, bic="BNPAFRPP")
    held = statements_accounting_csv(statements=type(statement).objects.all(), membership=manager)
    assert held.held == [mediator.organisation.name] and held.rows == 0
    assert OTHER_IBAN not in held.content
    mediator_bank_details_confirm(profile=profile, membership=manager)
    assert (
        OTHER_IBAN
        in (
            statements_accounting_csv(statements=type(statement).objects.all(), membership=manager)
        ).content
    )


def test_a_manager_changing_bank_details_needs_no_revalidation(mediator, manager):
    profile = mediator.organisation.mediator_profile
    mediator_profile_update(profile=profile, membership=manager, iban=OTHER_IBAN)
    profile.refresh_from_db()
    assert profile.iban == OTHER_IBAN and not profile.bank_details_to_confirm


def test_the_manager_revalidates_through_the_mediator_page(mediator, manager, login):
    from django.urls import reverse

    profile = mediator.organisation.mediator_profile
    mediator_profile_update(profile=profile, membership=mediator, siret="35600000000048")
    url = reverse("mediation:mediator_bank_details_confirm", args=[mediator.organisation.pk])
    assert login(mediator).post(url).status_code == 404
    client = login(manager)
    page = reverse("mediation:mediator_detail", args=[mediator.organisation.pk])
    assert "Revalider les coordonnées bancaires" in client.get(page).content.decode()
    assert client.post(url).status_code == 302
    profile.refresh_from_db()
    assert not profile.bank_details_to_confirm


@pytest.mark.parametrize("status", list(AgreementStatus.values))
def test_in_force_is_one_rule_for_redemption_the_list_and_the_label(mediator, manager, status):
    """AgreementQuerySet.in_force and Agreement.in_force_on agree on every status and on the
    days around the dates; redemption, the managers' list and the label follow them."""
    from mediation.models import Agreement
    from mediation.selectors import mediators_with_figures
    from mediation.services import mediator_redemption_refusal
    from mediation.services.redemption_rules import Reason

    Agreement.objects.filter(mediator=mediator.organisation).delete()
    start, end = datetime.date(2026, 3, 1), datetime.date(2026, 6, 30)
    agreement = Agreement.objects.create(
        mediator=mediator.organisation,
        counterpart=OwnerFactory(),
        start_date=start,
        end_date=end,
        status=status,
    )
    one = datetime.timedelta(days=1)
    for day, expected in [
        (start - one, False),
        (start, True),
        (datetime.date(2026, 5, 1), True),
        (end, True),
        (end + one, False),
    ]:
        expected = expected and status == AgreementStatus.ACTIVE
        in_force = Agreement.objects.in_force(day).filter(pk=agreement.pk).exists()
        assert in_force == agreement.in_force_on(day) == expected, (day, status)
        assert (agreement.status_label(day) == "En vigueur") == expected
        refusal = mediator_redemption_refusal(mediator.organisation, day=day)
        assert (refusal != Reason.NO_ACTIVE_AGREEMENT) == expected
        row = mediators_with_figures(today=day).get(pk=mediator.organisation.pk)
        assert row.agreement_until == (end if expected else None)


def test_an_inactive_membership_acts_neither_as_manager_nor_as_mediator(
    manager, mediator, chequebook, redeem
):
    """organisations.roles: a membership counts only while active (is_programme_manager,
    is_mediator_member)."""
    manager.is_active = False
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        mediator_invite(name="X", commune=None, email="x@example.org", membership=manager)
    mediator.is_active = False
    with pytest.raises(ValidationError, match="Seul un acteur de médiation encaisse"):
        redeem(list(chequebook.cheques.all()[:1]), membership=mediator)
    with pytest.raises(ValidationError, match="Vous n'agissez pas pour cette structure"):
        mediator_profile_update(
            profile=mediator.organisation.mediator_profile, membership=mediator, legal_name="X"
        )
