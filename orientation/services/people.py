"""A person at the front desk: registration (with the duplicate check), correction, and the journal
of every read of their record."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from passnum.organisations.roles import (
    is_front_desk_agent,
)
from passnum.people.identity import birth_decade_for, identity_key_for, same_identity_q
from passnum.people.models import Beneficiary, BeneficiaryRef
from passnum.people.privacy import CONSENT_TEXT_VERSION

from .. import journal
from ..selectors import beneficiaries_visible_to, chequebooks_in_hand


@dataclass
class DuplicateCheck:
    """What the agent may learn about a person already known: that they are known, whether
    they hold a chequebook in hand (``chequebook_in_hand``), and (only if this desk may see
    them) who."""

    known: bool = False
    visible: Beneficiary | None = None
    known_elsewhere: bool = False
    holds_current_chequebook: bool = False


def beneficiary_duplicate_check(
    *, first_name: str, last_name: str, birth_date, membership, exclude_pk=None
) -> DuplicateCheck:
    """Rule: same names and birth date (normalised: ``passnum.people.identity``) is the same
    person. The agent is told the person is known and whether they hold a chequebook in hand
    (``chequebook_in_hand``: of a vintage not ended), never which
    organisation registered them nor anything else of another organisation's record."""
    key = identity_key_for(first_name=first_name, last_name=last_name, birth_date=birth_date)
    same = Beneficiary.objects.filter(same_identity_q(key))
    if exclude_pk:
        same = same.exclude(pk=exclude_pk)
    ids = list(same.values_list("pk", flat=True))
    if not ids:
        return DuplicateCheck()
    visible = beneficiaries_visible_to(membership).filter(pk__in=ids).first()
    holds = chequebooks_in_hand(Q(beneficiary_id__in=ids)).exists()
    return DuplicateCheck(
        known=True,
        visible=visible,
        known_elsewhere=visible is None or len(ids) > 1,
        holds_current_chequebook=holds,
    )


BENEFICIARY_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "commune",
    "outside_aveyron",
    "phone",
    "email",
    "contact_consent",
    "target_public",
)


def _beneficiary_check(*, data: dict, membership) -> None:
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un accueil de 1er niveau inscrit une personne.")
    target_public = data.get("target_public")
    if target_public is None or target_public.side != membership.organisation.side:
        raise ValidationError(
            {"target_public": "Ce public cible n'est pas l'un de ceux de votre accueil."}
        )
    if not target_public.is_active:
        raise ValidationError({"target_public": "Ce public cible n'est plus proposé."})
    if not data.get("commune") and not data.get("outside_aveyron"):
        raise ValidationError(
            {"commune": "Indiquez la commune, ou cochez « réside hors Aveyron »."}
        )
    if data.get("commune") and data.get("outside_aveyron"):
        raise ValidationError(
            {"commune": "Une commune de l'Aveyron et « hors Aveyron » ne vont pas ensemble."}
        )
    birth_date = data.get("birth_date")
    if birth_date and (birth_date > timezone.localdate() or birth_date.year < 1900):
        raise ValidationError({"birth_date": "Cette date de naissance n'est pas possible."})


def beneficiary_register(
    *, membership, consent_given: bool, confirm_known_elsewhere: bool = False, **data
) -> Beneficiary:
    """Register a person at a front desk.

    Rules: only a front desk registers; the target public is one of the desk's side; the
    commune is in Aveyron or "outside Aveyron" is ticked; the person's consent to the
    processing is recorded with its date and the information text's version. A person already
    registered here is not registered twice; one already known elsewhere is registered here
    only on the agent's confirmation, even when they already hold a chequebook of the current
    vintage (the agent is told, and may still assess and refer them): the hand-over step is
    where a second chequebook is refused (chequebooks.services.chequebook_hand_over, one per
    person and vintage whoever made the records)."""
    if not consent_given:
        raise ValidationError(
            {"consent_given": "Le consentement de la personne est nécessaire pour l'inscrire."}
        )
    _beneficiary_check(data=data, membership=membership)
    check = beneficiary_duplicate_check(
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=data.get("birth_date"),
        membership=membership,
    )
    if check.visible is not None:
        raise ValidationError("Cette personne est déjà inscrite par votre accueil.")
    if check.known and not confirm_known_elsewhere:
        raise ValidationError(
            {
                "confirm_known_elsewhere": "Cette personne est déjà connue du programme "
                "(inscrite par un autre accueil). Cochez la case pour l'inscrire aussi auprès "
                "de votre accueil."
            }
        )
    fields = {k: data.get(k) for k in BENEFICIARY_FIELDS}
    fields["phone"] = (fields["phone"] or "").strip()
    fields["email"] = (fields["email"] or "").strip().lower()
    fields["contact_consent"] = bool(fields["contact_consent"])
    fields["outside_aveyron"] = bool(fields["outside_aveyron"])
    with transaction.atomic():
        beneficiary = Beneficiary.objects.create(
            **fields,
            identity_key=identity_key_for(
                first_name=fields["first_name"],
                last_name=fields["last_name"],
                birth_date=fields["birth_date"],
            ),
            birth_decade=birth_decade_for(fields["birth_date"]),
            consent_at=timezone.now(),
            consent_text_version=CONSENT_TEXT_VERSION,
            registered_by_organisation=membership.organisation,
            registered_by=membership.user,
        )
        journal.BENEFICIARY_REGISTERED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=BeneficiaryRef.of(beneficiary),
            known_elsewhere=check.known,
        )
    return beneficiary


def beneficiary_update(*, beneficiary: Beneficiary, membership, **data) -> Beneficiary:
    """Correct a person's record. Same rules as registration; only a desk that sees them."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée.")
    _beneficiary_check(data=data, membership=membership)
    changed = []
    for key in BENEFICIARY_FIELDS:
        if key in data and getattr(beneficiary, key) != data[key]:
            setattr(beneficiary, key, data[key])
            changed.append(key)
    beneficiary.identity_key = identity_key_for(
        first_name=beneficiary.first_name,
        last_name=beneficiary.last_name,
        birth_date=beneficiary.birth_date,
    )
    beneficiary.birth_decade = birth_decade_for(beneficiary.birth_date)
    beneficiary.last_activity_at = timezone.now()
    with transaction.atomic():
        beneficiary.save()
        journal.BENEFICIARY_UPDATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=BeneficiaryRef.of(beneficiary),
            fields=", ".join(changed) or "aucun",
        )
    return beneficiary


def beneficiary_record_viewed(*, beneficiary: Beneficiary, membership) -> None:
    """Rule: every view of a person's record is journaled, with who and for which desk."""
    journal.BENEFICIARY_VIEWED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=BeneficiaryRef.of(beneficiary),
    )
