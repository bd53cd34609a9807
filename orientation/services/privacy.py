"""A person's rights and the retention rule's run: export (right of access), anonymisation on
request, purge past retention."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.people.identity import birth_decade_for
from passnum.people.models import Beneficiary, BeneficiaryRef

from .. import journal
from ..models import Appointment
from ..selectors import beneficiaries_visible_to, beneficiary_can_be_anonymised


def beneficiary_export(*, beneficiary: Beneficiary, membership, format: str = "json") -> dict:
    """A person's data (right of access), as a dict ready for JSON or the PDF. Journaled."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    b = beneficiary
    data = {
        "personne": {
            "numero": b.pk,
            "prenom": b.first_name,
            "nom": b.last_name,
            "date_de_naissance": b.birth_date.isoformat() if b.birth_date else None,
            "commune": b.commune.name if b.commune_id else None,
            "hors_aveyron": b.outside_aveyron,
            "telephone": b.phone,
            "email": b.email,
            "accepte_les_rappels": b.contact_consent,
            "public_cible": b.target_public.label,
            "consentement_le": b.consent_at.isoformat(),
            "version_information": b.consent_text_version,
            "inscrite_par": b.registered_by_organisation.name,
            "inscrite_le": b.created_at.isoformat(),
            "anonymisee_le": b.anonymised_at.isoformat() if b.anonymised_at else None,
        },
        "pre_evaluations": [
            {
                "date": a.created_at.isoformat(),
                "questionnaire": str(a.questionnaire),
                "reponses": a.answers,
                "score": a.score,
                "niveau": a.level_label,
                "services_suggeres": a.suggested_services,
                "cheques_suggeres": a.suggested_cheques,
                "cheque_remis": a.handover_decision,
                "motif_de_non_remise": a.no_handover_reason,
            }
            for a in b.assessments.select_related("questionnaire").order_by("created_at")
        ],
        "chequiers": [
            {
                "numero": c.number,
                "millesime": c.vintage.year,
                "valable_jusqu_au": c.vintage.valid_until.isoformat(),
                "remis_le": c.handed_out_at.isoformat() if c.handed_out_at else None,
                "etat": c.get_state_display(),
            }
            for c in b.chequebooks.select_related("vintage").order_by("number")
        ],
        "orientations": [
            {
                "date": r.created_at.isoformat(),
                "lieu": r.place.name,
                "mediateur": r.mediator.name,
                "etat": r.get_state_display(),
                "motif_du_refus": r.decline_reason,
            }
            for r in b.referrals.select_related("place", "mediator").order_by("created_at")
        ],
        "rendez_vous": [
            {
                "date": a.starts_at.isoformat(),
                "lieu": a.slot.place.name,
                "etat": a.get_state_display(),
            }
            for a in Appointment.objects.filter(referral__beneficiary=b)
            .select_related("slot__place")
            .order_by("starts_at")
        ],
        # Reminders sent to the person: when, what about, how (their text is not kept).
        "rappels": [
            {
                "date": r.sent_at.isoformat(),
                "objet": r.get_kind_display(),
                "par": r.get_channel_display(),
            }
            for r in b.reminders.order_by("sent_at")
        ],
    }
    journal.BENEFICIARY_EXPORTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=BeneficiaryRef.of(beneficiary),
        format=format.upper(),
    )
    return data


def beneficiary_anonymise(
    *, beneficiary: Beneficiary, membership=None, reason: str = ""
) -> Beneficiary:
    """Anonymise a person: names, birth date, phone and e-mail are blanked, the identity key
    too; the commune, the target public and the decade of birth stay, so figures stay right.

    Rules: on request, by a programme manager or the desk that registered the person; or by
    the system (``membership`` None) when the retention period has passed. Irreversible."""
    if membership is not None and not beneficiary_can_be_anonymised(beneficiary, membership):
        raise ValidationError(
            "Seuls le gestionnaire du programme et l'accueil qui a inscrit la personne "
            "peuvent l'anonymiser."
        )
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.anonymised_at:
            return beneficiary
        if not beneficiary.birth_decade:
            beneficiary.birth_decade = birth_decade_for(beneficiary.birth_date)
        beneficiary.first_name = ""
        beneficiary.last_name = ""
        beneficiary.birth_date = None
        beneficiary.phone = ""
        beneficiary.email = ""
        beneficiary.contact_consent = False
        beneficiary.identity_key = ""
        beneficiary.anonymised_at = timezone.now()
        beneficiary.save()
        journal.BENEFICIARY_ANONYMISED.record(
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            target=BeneficiaryRef.of(beneficiary),
            reason=reason or ("demande" if membership else "durée de conservation"),
        )
    return beneficiary


def beneficiaries_purge(*, now=None) -> int:
    """Anonymise the people past retention (``Beneficiary.objects.past_retention``: the rule
    is the person's). Idempotent."""
    count = 0
    for beneficiary in Beneficiary.objects.past_retention(now).only("pk"):
        beneficiary_anonymise(beneficiary=beneficiary, reason="durée de conservation")
        count += 1
    return count
