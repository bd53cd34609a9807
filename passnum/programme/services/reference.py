"""Loading the programme's reference data: communes, EPCI, services, target publics, and the
Aveyron programme with its funders, budget lines, envelopes and vintages. Idempotent."""

import csv
from pathlib import Path

from django.db import transaction

from passnum.territory.models import Commune, Epci, Side

from ..models import BudgetLine, Envelope, Funder, Programme, Service, TargetPublic, Vintage
from ..selectors import EPCI_ENVELOPE_TOTAL
from ..vintages import vintage_default_validity

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The 9 services of the national catalogue (schéma des lieux de médiation numérique 1.0.2).
SERVICES = [
    ("demarches", "Aide aux démarches administratives"),
    ("outils-quotidien", "Maîtrise des outils numériques du quotidien"),
    ("insertion", "Insertion professionnelle via le numérique"),
    ("securite", "Utilisation sécurisée du numérique"),
    ("parentalite", "Parentalité et éducation avec le numérique"),
    ("loisirs", "Loisirs et créations numériques"),
    ("comprehension", "Compréhension du monde numérique"),
    ("acces-materiel", "Accès internet et matériel informatique"),
    ("materiel-solidaire", "Acquisition de matériel informatique à prix solidaire"),
]

#: The APA is the Allocation personnalisée d'autonomie (migration 0003 corrects a stored label).
APA_LABEL = "Bénéficiaires de l'Allocation personnalisée d'autonomie (APA)"

TARGET_PUBLICS = {
    Side.CD12: [
        ("cd12-jeunes-mission-locale", "Jeunes non diplômés suivis par la Mission locale"),
        ("cd12-rsa", "Bénéficiaires du RSA"),
        ("cd12-apa", APA_LABEL),
        ("cd12-monoparentales-caf", "Familles monoparentales suivies par la CAF"),
        ("cd12-handicap-savs", "Personnes en situation de handicap suivies par un SAVS"),
        ("cd12-parentalite", "Familles accompagnées à la parentalité par le CD12"),
    ],
    Side.EPCI: [
        ("epci-ages-hors-apa", "Personnes âgées hors APA"),
        ("epci-auto-entrepreneurs", "Auto-entrepreneurs"),
        ("epci-isoles-rural", "Personnes isolées en milieu rural"),
        ("epci-minimas-sociaux", "Bénéficiaires de minimas sociaux"),
        ("epci-jeunes-16-30", "Jeunes en situation de fragilité (16-30 ans)"),
        ("epci-familles", "Familles"),
        ("epci-allophones", "Personnes allophones"),
        ("epci-demandeurs-emploi", "Demandeurs d'emploi"),
    ],
}

#: Illustrative only: the seed says 17 EPCI joined, not which. The demo marks as partners the
#: 17 EPCI with the most Aveyron inhabitants, leaving out CC Grand-Figeac (seated in the Lot).
#: Programme managers edit the partner list in the application.
PARTNER_COUNT = 17


def reference_data_load() -> None:
    """Load (idempotently) the geography, the service catalogue and the target publics.

    Rule: reference data ships with the product (``passnum/programme/data``), never read from
    outside the project at run time.
    """
    with transaction.atomic():
        for position, (code, label) in enumerate(SERVICES):
            Service.objects.update_or_create(
                code=code, defaults={"label": label, "position": position}
            )
        for side, publics in TARGET_PUBLICS.items():
            for position, (code, label) in enumerate(publics):
                TargetPublic.objects.update_or_create(
                    code=code, defaults={"side": side, "label": label, "position": position}
                )
        epcis = {e.siren: e for e in Epci.objects.all()}
        with open(DATA_DIR / "aveyron-epci.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["epci_siren"] not in epcis:
                    epcis[row["epci_siren"]] = Epci.objects.create(
                        siren=row["epci_siren"], name=row["nom"]
                    )
        existing = set(Commune.objects.values_list("insee_code", flat=True))
        new = []
        with open(DATA_DIR / "aveyron-communes.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["code_insee"] in existing:
                    continue
                new.append(
                    Commune(
                        insee_code=row["code_insee"],
                        name=row["nom"],
                        postcodes=row["codes_postaux"],
                        population=int(row["population"] or 0),
                        epci=epcis.get(row["epci_siren"]),
                    )
                )
        Commune.objects.bulk_create(new)


def programme_load_aveyron(*, start_year: int = 2020, end_year: int = 2022) -> Programme:
    """Create (idempotently) the Aveyron programme as the seed describes it, over
    ``start_year``-``end_year`` (the seed's 2020-2022 unless told; the demo's covers its
    vintages): funders and budget (CD12 300 000 €, EPCI 136 620 €, State 628 300 €), envelopes
    (CD12 6 000 chequebooks; EPCI 3 000 split among the partner EPCI), and a vintage per year
    with its amounts (10,00 € face value, 10,40 € cost, 9,60 € net)."""
    reference_data_load()
    with transaction.atomic():
        programme, _ = Programme.objects.get_or_create(
            name="Pass numérique Aveyron",
            defaults={"start_year": start_year, "end_year": end_year},
        )
        budget = [
            (Funder.Kind.CD12, "Conseil départemental de l'Aveyron", 300_000_00),
            (Funder.Kind.EPCI, "Intercommunalités partenaires", 136_620_00),
            (Funder.Kind.STATE, "État", 628_300_00),
        ]
        for kind, name, cents in budget:
            funder, created = Funder.objects.get_or_create(
                programme=programme, kind=kind, defaults={"name": name}
            )
            if created:
                BudgetLine.objects.create(
                    funder=funder,
                    label=f"Programme {programme.start_year}-{programme.end_year}",
                    amount_cents=cents,
                )
        if not Epci.objects.filter(is_partner=True).exists():
            partners = _default_partner_epcis()
            Epci.objects.filter(pk__in=[e.pk for e in partners]).update(is_partner=True)
        Envelope.objects.get_or_create(
            programme=programme, side=Side.CD12, defaults={"chequebook_target": 6000}
        )
        partners = list(Epci.objects.filter(is_partner=True).order_by("name"))
        shares = split_evenly(EPCI_ENVELOPE_TOTAL, len(partners))
        for epci, share in zip(partners, shares, strict=True):
            Envelope.objects.get_or_create(
                programme=programme,
                side=Side.EPCI,
                epci=epci,
                defaults={"chequebook_target": share},
            )
        for year in range(programme.start_year, programme.end_year + 1):
            vintage_defaults(programme=programme, year=year)
    return programme


def vintage_defaults(*, programme, year: int) -> Vintage:
    """Rule: a cheque of year N is valid from 1 January N to 31 January N+1."""
    valid_from, valid_until = vintage_default_validity(year)
    vintage, _ = Vintage.objects.get_or_create(
        year=year,
        defaults={"programme": programme, "valid_from": valid_from, "valid_until": valid_until},
    )
    return vintage


def split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` integers that differ by at most one and add up."""
    if parts == 0:
        return []
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def _default_partner_epcis():
    """Illustrative partners: the largest EPCI by Aveyron population, Grand-Figeac aside."""
    populations = {}
    with open(DATA_DIR / "aveyron-epci.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            populations[row["epci_siren"]] = int(row["population_aveyron"] or 0)
    candidates = [e for e in Epci.objects.all() if "Figeac" not in e.name]
    candidates.sort(key=lambda e: -populations.get(e.siren, 0))
    return candidates[:PARTNER_COUNT]
