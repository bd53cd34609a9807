"""The directory's writes: a mediator organisation is invited, completes its profile and its
places, and a programme manager qualifies it (or suspends, reinstates, disqualifies it) and
re-validates its bank details. Each docstring states the rule it enforces.

Nothing here needs mediation: mediation (statements, redemption) reads the profile's
qualification (``mediator_is_qualified``) and its "bank details to re-validate" flag."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.audit.transitions import Transition
from passnum.organisations.models import Organisation, OrganisationKind, Role
from passnum.organisations.roles import (
    is_mediator_member,
    is_programme_manager,
    require_programme_manager,
)
from passnum.organisations.services import invitation_create

from . import journal
from .models import MediatorProfile, Place, QualificationStatus
from .rules import (
    ACCESSIBILITY_CHOICES,
    SUPPORT_MODE_CHOICES,
    bic_validate,
    iban_validate,
    siret_validate,
)

NOT_THIS_MEDIATOR = "Vous n'agissez pas pour cette structure de médiation."


def may_edit_mediator(membership, organisation) -> bool:
    """Rule: a mediator's profile and places are edited by its own organisation admin, or by a
    programme manager."""
    return is_programme_manager(membership) or is_mediator_member(
        membership, organisation, admin=True
    )


# --- Mediator organisations -------------------------------------------------------------------


def mediator_invite(
    *,
    name: str,
    commune,
    email: str,
    membership,
    first_name: str = "",
    last_name: str = "",
    base_url: str | None = None,
) -> tuple[Organisation, str]:
    """A programme manager creates a mediator organisation (qualification: applied) and
    invites its administrator, who will complete the profile and places. The invitation is
    organisations' (``invitation_create``: the e-mail goes through Celery after commit).
    Returns the organisation and the invitation link's token."""
    require_programme_manager(membership)
    with transaction.atomic():
        organisation = Organisation.objects.create(
            kind=OrganisationKind.MEDIATOR,
            name=name,
            commune=commune,
            epci=commune.epci if commune else None,
        )
        profile = MediatorProfile.objects.create(organisation=organisation, legal_name=name)
        _invitation, token = invitation_create(
            organisation=organisation,
            email=email,
            role=Role.ORG_ADMIN,
            by=membership,
            first_name=first_name,
            last_name=last_name,
            base_url=base_url,
        )
        journal.MEDIATOR_INVITED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=profile,
            email=email,
        )
    return organisation, token


def mediator_profile_for(organisation) -> MediatorProfile:
    """The organisation's profile, created (as an applicant) when it has none yet."""
    profile, _ = MediatorProfile.objects.get_or_create(
        organisation=organisation, defaults={"legal_name": organisation.name}
    )
    return profile


PROFILE_FIELDS = (
    "siret",
    "legal_name",
    "legal_representative",
    "iban",
    "bic",
    "is_public_sector",
    "labels",
)


#: What a qualified mediator can never blank, and what the payment goes to.
REQUIRED_PROFILE_FIELDS = ("siret", "legal_name", "legal_representative", "iban", "bic")
BANK_FIELDS = ("siret", "iban", "bic")


def mediator_profile_update(
    *, profile: MediatorProfile, membership, charter_accepted=False, **data
):
    """The mediator's administrator (or a manager) completes the profile.

    Rules: the SIRET is checked with its key (python-stdnum), the IBAN and BIC with
    schwifty; a public-sector mediator is paid through a régie (the flag says so). Once the
    mediator has been qualified (``MediatorProfile.has_been_qualified``), its SIRET, legal
    name, legal representative, IBAN and BIC can no longer be blanked. When the mediator's
    administrator (not a manager) changes the SIRET, IBAN or BIC of a mediator that is no
    longer a mere applicant, the change is journaled and the profile is flagged "coordonnées
    bancaires à revalider": mediation then issues no statement for it, and none of its
    statements can be validated, sent for payment or exported to accounting, until a manager
    re-validates them (``mediator_bank_details_confirm``). A manager's own change needs no
    re-validation. Any change of SIRET, IBAN or BIC is journaled with the old and new values,
    the IBAN masked (``bank_value_masked``)."""
    is_manager = is_programme_manager(membership)
    if not may_edit_mediator(membership, profile.organisation):
        raise ValidationError(NOT_THIS_MEDIATOR)
    errors = {}
    checks = {"siret": siret_validate, "iban": iban_validate, "bic": bic_validate}
    for name, check in checks.items():
        if data.get(name):
            try:
                data[name] = check(data[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if profile.has_been_qualified:
        for name in REQUIRED_PROFILE_FIELDS:
            if name in data and not (data[name] or "").strip():
                errors[name] = ["La structure est qualifiée : ce champ ne peut pas être vidé."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The row is locked, so a statement being issued (which reads the flag under the same
        # lock) finishes first, and the journal's old values are those really replaced.
        profile = MediatorProfile.objects.select_for_update().get(pk=profile.pk)
        changed = []
        bank_changes = []
        for name in PROFILE_FIELDS:
            if name in data and getattr(profile, name) != data[name]:
                if name in BANK_FIELDS:
                    bank_changes.append(
                        {
                            "field": name,
                            "label": str(MediatorProfile._meta.get_field(name).verbose_name),
                            "old": bank_value_masked(name, getattr(profile, name)),
                            "new": bank_value_masked(name, data[name]),
                        }
                    )
                setattr(profile, name, data[name])
                changed.append(name)
        if charter_accepted and not profile.charter_accepted_at:
            profile.charter_accepted_at = timezone.now()
            changed.append("charter_accepted_at")
        to_confirm = (
            not is_manager
            and profile.qualification_status != QualificationStatus.APPLIED
            and any(name in changed for name in BANK_FIELDS)
        )
        if to_confirm:
            profile.bank_details_to_confirm = True
            changed.append("bank_details_to_confirm")
        if changed:
            profile.save(update_fields=changed)
            # The journal speaks French: the fields' labels, without the internal flag.
            labels = [
                str(MediatorProfile._meta.get_field(name).verbose_name)
                for name in changed
                if name != "bank_details_to_confirm"
            ]
            details = {"fields": ", ".join(labels)}
            if to_confirm:
                details["to_confirm"] = "coordonnées bancaires à revalider par un gestionnaire"
            journal.PROFILE_UPDATED.record(
                actor=membership.user,
                organisation=membership.organisation,
                target=profile,
                **details,
            )
        if bank_changes:
            journal.BANK_DETAILS_CHANGED.record(
                actor=membership.user,
                organisation=membership.organisation,
                target=profile,
                changes=" ; ".join(f"{c['label']} {c['old']} → {c['new']}" for c in bank_changes),
                bank_changes=bank_changes,
                to_confirm="oui" if to_confirm else "non",
            )
    return profile


def bank_value_masked(name: str, value: str) -> str:
    """How bank details are written in the journal and shown to managers: an IBAN keeps only
    its country and check digits and its last four characters (FR76 •••• 1234); the SIRET
    and the BIC are public and shown whole. An empty value reads « (vide) »."""
    value = (value or "").replace(" ", "")
    if not value:
        return "(vide)"
    if name == "iban":
        return f"{value[:4]} •••• {value[-4:]}" if len(value) > 8 else "••••"
    return value


def mediator_bank_details_confirm(*, profile: MediatorProfile, membership) -> MediatorProfile:
    """A programme manager re-validates the SIRET, IBAN and BIC a mediator changed: its
    statements can be validated, sent and exported again. Journaled."""
    require_programme_manager(membership)
    with transaction.atomic():
        profile = MediatorProfile.objects.select_for_update().get(pk=profile.pk)
        if not profile.bank_details_to_confirm:
            raise ValidationError("Les coordonnées bancaires n'attendent pas de revalidation.")
        profile.bank_details_to_confirm = False
        profile.save(update_fields=["bank_details_to_confirm"])
        journal.BANK_DETAILS_CONFIRMED.record(
            actor=membership.user, organisation=membership.organisation, target=profile
        )
    return profile


def mediator_profile_missing(profile: MediatorProfile) -> list[str]:
    """What a profile still lacks before it can be qualified (French labels)."""
    missing = []
    for name in REQUIRED_PROFILE_FIELDS:
        if not getattr(profile, name):
            missing.append(str(MediatorProfile._meta.get_field(name).verbose_name))
    if not profile.charter_accepted_at:
        missing.append("acceptation de la charte")
    if not profile.organisation.places.filter(is_active=True).exists():
        missing.append("au moins un lieu de médiation")
    return missing


# --- Qualification ----------------------------------------------------------------------------

_qualification = {"event": journal.QUALIFICATION_CHANGED, "field": "qualification_status"}
QUALIFY = Transition(
    "qualify",
    sources=(QualificationStatus.APPLIED, QualificationStatus.SUSPENDED),
    target=QualificationStatus.QUALIFIED,
    **_qualification,
)
SUSPEND = Transition(
    "suspend",
    sources=(QualificationStatus.QUALIFIED,),
    target=QualificationStatus.SUSPENDED,
    **_qualification,
)
DISQUALIFY = Transition(
    "disqualify",
    sources=(
        QualificationStatus.APPLIED,
        QualificationStatus.QUALIFIED,
        QualificationStatus.SUSPENDED,
    ),
    target=QualificationStatus.DISQUALIFIED,
    **_qualification,
)
#: The qualification's workflow, by the status each transition leads to. Disqualified is final.
QUALIFICATION_TRANSITIONS = {t.target: t for t in (QUALIFY, SUSPEND, DISQUALIFY)}


def mediator_qualification_change(
    *, profile: MediatorProfile, status: str, membership, reason: str = ""
) -> MediatorProfile:
    """A programme manager qualifies, suspends, reinstates or disqualifies a mediator.

    Rules: applied → qualified (only with a complete profile) or disqualified; qualified →
    suspended or disqualified; suspended → qualified or disqualified; disqualified is final
    (QUALIFICATION_TRANSITIONS). Suspension and disqualification need a reason. Only a
    qualified mediator redeems (``mediator_is_qualified``)."""
    require_programme_manager(membership)
    with transaction.atomic():
        profile = MediatorProfile.objects.select_for_update().get(pk=profile.pk)
        transition = QUALIFICATION_TRANSITIONS.get(status)
        if transition is None or not transition.allowed_from(profile.qualification_status):
            raise ValidationError(
                f"Passage impossible de « {profile.get_qualification_status_display()} » à "
                f"« {QualificationStatus(status).label} »."
            )
        reason = (reason or "").strip()
        if transition in (SUSPEND, DISQUALIFY) and not reason:
            raise ValidationError(
                {"reason": "Indiquez le motif de la suspension ou de la déqualification."}
            )
        if transition is QUALIFY:
            missing = mediator_profile_missing(profile)
            if missing:
                raise ValidationError(
                    "Le profil est incomplet : il manque " + ", ".join(missing) + "."
                )
        now = timezone.now()
        previous = profile.get_qualification_status_display()
        profile.status_reason = reason
        profile.status_changed_at = now
        if transition is QUALIFY and not profile.qualified_at:
            profile.qualified_at = now
        transition.apply(
            profile,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=("status_reason", "status_changed_at", "qualified_at"),
            details={
                "from": previous,
                "to": QualificationStatus(transition.target).label,
                "reason": reason or "—",
            },
        )
    return profile


# --- Places -----------------------------------------------------------------------------------

#: A place's fields, as the services write them and the place form shows them (with its
#: services, a many-to-many written apart).
PLACE_FIELDS = (
    "name",
    "address",
    "commune",
    "postcode",
    "latitude",
    "longitude",
    "opening_hours",
    "opening_hours_text",
    "phone",
    "email",
    "website",
    "contact_name",
    "accessibility",
    "support_modes",
    "summary",
    "is_active",
)


def place_save(
    *, organisation, membership, place: Place | None = None, services=None, **data
) -> Place:
    """A mediator's administrator (or a manager) creates or edits one of its places.

    Rules: a place belongs to a mediator organisation; its postcode defaults to the
    commune's; services come from the national catalogue; accessibility (prise en charge
    spécifique) and support modes use the national schema's vocabulary, so that the open-data
    export stays valid whatever the caller sends."""
    if organisation.kind != OrganisationKind.MEDIATOR:
        raise ValidationError("Un lieu de médiation appartient à un acteur de médiation.")
    if not may_edit_mediator(membership, organisation):
        raise ValidationError(NOT_THIS_MEDIATOR)
    if place is not None and place.organisation_id != organisation.pk:
        raise ValidationError("Ce lieu n'appartient pas à cette structure.")
    allowed = {
        "accessibility": {v for v, _ in ACCESSIBILITY_CHOICES},
        "support_modes": {v for v, _ in SUPPORT_MODE_CHOICES},
    }
    for name, values in allowed.items():
        unknown = set(data.get(name) or []) - values
        if unknown:
            raise ValidationError(
                {name: "Valeur hors du schéma national : " + ", ".join(sorted(unknown))}
            )
    created = place is None
    place = place or Place(organisation=organisation)
    for name in PLACE_FIELDS:
        if name in data:
            setattr(place, name, data[name])
    if not place.postcode and place.commune_id:
        place.postcode = place.commune.postcode
    with transaction.atomic():
        place.save()
        if services is not None:
            place.services.set(services)
        (journal.PLACE_CREATED if created else journal.PLACE_UPDATED).record(
            actor=membership.user, organisation=membership.organisation, target=place
        )
    return place
