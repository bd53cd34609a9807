"""Open-data export of the programme's places in the national schema (schéma des lieux de
médiation numérique 1.0.2, copied in mediation/standards/). Multi-valued fields are joined
with ``|``; a place that takes the pass numérique is « Gratuit sous condition »."""

import json
import re
from pathlib import Path

from django.utils import timezone

from passnum.core.exports import csv_text
from passnum.directory.models import Place
from passnum.directory.rules import SCHEMA_NATIONAL_PROGRAMMES

SCHEMA_PATH = (
    Path(__file__).resolve().parent / "standards" / "lieux-mediation-numerique.schema.json"
)


def schema_field_names() -> list[str]:
    return [f["name"] for f in json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["fields"]]


def places_published():
    """What the programme publishes: the active places of qualified mediators
    (``Place.objects.of_qualified_mediators``)."""
    return (
        Place.objects.of_qualified_mediators()
        .select_related("commune", "organisation__mediator_profile")
        .prefetch_related("services")
        .order_by("pk")
    )


def phone_e164(phone: str) -> str:
    """A French phone number as the schema writes it (+33565000000), or ''."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    if digits.startswith("33") and len(digits) == 11:
        return "+" + digits
    return ""


def place_row(place: Place) -> dict:
    profile = place.organisation.mediator_profile
    labels = list(profile.labels or [])
    national = [label for label in labels if label in SCHEMA_NATIONAL_PROGRAMMES]
    others = [label for label in labels if label not in SCHEMA_NATIONAL_PROGRAMMES]
    row = dict.fromkeys(schema_field_names(), "")
    row.update(
        {
            "id": f"passnum-aveyron-lieu-{place.pk}",
            "pivot": profile.siret or "00000000000000",
            "nom": place.name,
            "commune": place.commune.name,
            "code_postal": place.postcode or place.commune.postcode,
            "code_insee": place.commune.insee_code,
            "adresse": place.address,
            "latitude": float(place.latitude) if place.latitude is not None else "",
            "longitude": float(place.longitude) if place.longitude is not None else "",
            "telephone": phone_e164(place.phone),
            "courriels": place.email,
            "site_web": place.website,
            "horaires": place.opening_hours,
            "presentation_resume": place.summary[:280],
            "source": "Pass numérique Aveyron",
            "itinerance": "Fixe",
            "structure_parente": profile.legal_name or place.organisation.name,
            "date_maj": timezone.localtime(place.updated_at).date().isoformat(),
            "services": "|".join(s.label for s in place.services.all()),
            "prise_en_charge_specifique": "|".join(place.accessibility or []),
            "frais_a_charge": "Gratuit sous condition",
            "dispositif_programmes_nationaux": "|".join(national),
            "autres_formations_labels": "|".join(others),
            "modalites_accompagnement": "|".join(place.support_modes or []),
        }
    )
    return row


def places_csv(places=None) -> str:
    """The schema's own CSV (« , », decimal point, UTF-8 without BOM), written by the one
    export writer: a place's or structure's name that a spreadsheet would evaluate
    (``=HYPERLINK(...)``) is neutralised with a leading apostrophe."""
    places = places_published() if places is None else places
    names = schema_field_names()
    return csv_text(
        ([place_row(place)[name] for name in names] for place in places),
        header=names,
        delimiter=",",
        decimal_comma=False,
        lineterminator="\n",
    )


def places_json(places=None) -> str:
    places = places_published() if places is None else places
    rows = []
    for place in places:
        row = place_row(place)
        rows.append({k: v for k, v in row.items() if v != ""})
    return json.dumps(rows, ensure_ascii=False, indent=2)
