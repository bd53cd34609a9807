"""Organisations, memberships and invitations. Every change is journaled."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passnum.territory.models import Commune

from . import journal
from .models import (
    ROLES_BY_KIND,
    FrontDeskType,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from .roles import may_manage_team, require_programme_manager

ORGANISATION_FIELDS = [
    "kind",
    "name",
    "side",
    "epci",
    "front_desk_type",
    "commune",
    "address",
    "phone",
    "email",
]


def organisation_check(organisation: Organisation) -> None:
    """Rules: a front desk belongs to a side, CD12 or one EPCI, and has a front-desk type (one
    created before types existed gets it at its next edit); an EPCI organisation names its
    EPCI; only front desks have a side and a type."""
    errors = {}
    if organisation.kind == OrganisationKind.FRONT_DESK:
        if not organisation.side:
            errors["side"] = "Un accueil appartient au côté CD12 ou à une intercommunalité."
        elif organisation.side == "epci" and organisation.epci_id is None:
            errors["epci"] = "Choisissez l'intercommunalité de cet accueil."
        if organisation.front_desk_type_id is None:
            errors["front_desk_type"] = "Choisissez le type de cet accueil."
    else:
        if organisation.side:
            errors["side"] = "Seul un accueil de 1er niveau a un côté."
        if organisation.front_desk_type_id is not None:
            errors["front_desk_type"] = "Seul un accueil de 1er niveau a un type d'accueil."
    if organisation.kind == OrganisationKind.EPCI and organisation.epci_id is None:
        errors["epci"] = "Choisissez l'intercommunalité que cette structure représente."
    if errors:
        raise ValidationError(errors)


def organisation_create(*, membership: Membership, **data) -> Organisation:
    """A programme manager creates an organisation (front desk on the CD12 side or of an EPCI,
    mediator, EPCI). Rules: only programme managers create organisations; the programme owner
    (CD12) is not created again."""
    require_programme_manager(membership, "Seul un gestionnaire du programme crée une structure.")
    if data.get("kind") == OrganisationKind.OWNER:
        raise ValidationError({"kind": "Le porteur du programme existe déjà."})
    organisation = Organisation(**{k: v for k, v in data.items() if k in ORGANISATION_FIELDS})
    organisation.side = organisation.side or ""
    organisation_check(organisation)
    with transaction.atomic():
        organisation.save()
        journal.ORGANISATION_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=organisation,
            kind=organisation.get_kind_display(),
        )
    return organisation


OWNER_NAME = "Conseil départemental de l'Aveyron"


def owner_organisation_ensure() -> tuple[Organisation, bool]:
    """The programme's owner (CD12), created once by the installation (``manage.py
    bootstrap``); no page creates it (``organisation_create`` refuses the kind). Returns it and
    whether it was created now. Rule: there is one owner; an existing one is kept as it is."""
    owner = Organisation.objects.filter(kind=OrganisationKind.OWNER).order_by("pk").first()
    if owner is not None:
        return owner, False
    with transaction.atomic():
        owner = Organisation.objects.create(
            kind=OrganisationKind.OWNER,
            name=OWNER_NAME,
            commune=Commune.objects.filter(name="Rodez").first(),
            address="Hôtel du Département, place Charles-de-Gaulle",
        )
        journal.ORGANISATION_CREATED.record(
            organisation=owner, target=owner, kind=owner.get_kind_display()
        )
    return owner, True


def organisation_update(*, organisation: Organisation, membership: Membership, **data):
    """A programme manager edits an organisation; the journal keeps which fields changed.
    Rule: the kind of an organisation with members does not change (their roles depend on it)."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme modifie une structure."
    )
    before = Organisation.objects.get(pk=organisation.pk)
    for key, value in data.items():
        if key in ORGANISATION_FIELDS + ["is_active"]:
            setattr(organisation, key, value)
    organisation.side = organisation.side or ""
    if organisation.kind != before.kind and before.memberships.filter(is_active=True).exists():
        raise ValidationError(
            {"kind": "Cette structure a des membres actifs : son type ne peut plus changer."}
        )
    organisation_check(organisation)
    changed = [
        str(Organisation._meta.get_field(f).verbose_name)
        for f in ORGANISATION_FIELDS + ["is_active"]
        if getattr(before, f) != getattr(organisation, f)
    ]
    if not changed:
        return organisation
    with transaction.atomic():
        organisation.save()
        journal.ORGANISATION_UPDATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=organisation,
            fields=", ".join(changed),
        )
    return organisation


def membership_add(*, user, organisation: Organisation, role: str, by=None) -> Membership:
    """Give ``user`` a role in ``organisation``.

    Rules: the role must fit the kind of organisation (ROLES_BY_KIND); one membership per
    person and organisation; a deactivated membership is reactivated, never duplicated.
    """
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError(
            {
                "role": "Ce rôle n'existe pas pour une structure de type "
                f"« {organisation.get_kind_display()} »."
            }
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        if not created:
            membership.role = role
            membership.is_active = True
            membership.deactivated_at = None
            membership.save(update_fields=["role", "is_active", "deactivated_at"])
        journal.MEMBERSHIP_ADDED.record(
            actor=getattr(by, "user", None),
            organisation=organisation,
            target=membership,
            role=membership.get_role_display(),
            person=user.get_full_name(),
        )
    return membership


def membership_deactivate(*, membership: Membership, by=None) -> Membership:
    """Rule: a membership is deactivated, never deleted, so the journal keeps its meaning.
    Only a programme manager or the organisation's admin deactivates, and never their own
    membership (nobody locks themselves out)."""
    if by is not None:
        if not may_manage_team(by, membership.organisation):
            raise ValidationError("Vous ne gérez pas l'équipe de cette structure.")
        if by.pk == membership.pk:
            raise ValidationError("Vous ne pouvez pas désactiver votre propre accès.")
    if not membership.is_active:
        return membership
    with transaction.atomic():
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        journal.MEMBERSHIP_DEACTIVATED.record(
            actor=getattr(by, "user", None),
            organisation=getattr(by, "organisation", None) or membership.organisation,
            target=membership,
            person=membership.user.get_full_name(),
            organisation_name=membership.organisation.name,
        )
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str, *, base_url: str | None = None) -> str:
    """The link of an invitation: the site's address (PASSNUM_SITE_URL, or ``base_url``, the
    origin of the request that invited) followed by the acceptance page of ``token``."""
    base = (base_url or settings.PASSNUM_SITE_URL).rstrip("/")
    return base + reverse("accounts:invitation_accept", args=[token])


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    by: Membership,
    first_name: str = "",
    last_name: str = "",
    base_url: str | None = None,
) -> tuple[Invitation, str]:
    """Invite a person to join ``organisation`` with ``role``, and e-mail them the link
    (Celery, after commit). Returns the invitation and the secret token of its link (only its
    hash is stored). The link expires after PASSNUM_INVITATION_DAYS days and is used once.
    This is the one way anybody is invited: a team's page, a new mediator
    (``directory.services.mediator_invite``) and the first programme manager
    (``invitation_create_first_manager``) all come here.

    Rules: a programme manager invites to any organisation, an organisation's admin to its own;
    the role fits the kind of organisation; a person already active in the organisation is not
    invited again."""
    if not may_manage_team(by, organisation):
        raise ValidationError("Vous ne pouvez pas inviter de personne dans cette structure.")
    return _invitation_create(
        organisation=organisation,
        email=email,
        role=role,
        by=by,
        first_name=first_name,
        last_name=last_name,
        base_url=base_url,
    )


def invitation_create_first_manager(*, organisation: Organisation, email: str):
    """The bootstrap's invitation (``manage.py bootstrap``, run by the server's administrator,
    nobody logged in): the first programme manager of the programme's owner.

    Rules: the organisation is the owner (CD12); while this person's invitation is pending
    (not used, not expired), it is renewed rather than doubled: a fresh link, the old one stops
    working; a person already an active programme manager there is not invited (None)."""
    if organisation.kind != OrganisationKind.OWNER:
        raise ValidationError("Le premier gestionnaire rejoint le porteur du programme.")
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email, is_active=True).exists():
        return None
    pending = (
        Invitation.objects.filter(
            organisation=organisation,
            email=email,
            role=Role.PROGRAMME_MANAGER,
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-pk")
        .first()
    )
    if pending is None:
        return _invitation_create(
            organisation=organisation, email=email, role=Role.PROGRAMME_MANAGER, by=None
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending.token_hash = _token_hash(token)
        pending.expires_at = timezone.now() + timedelta(days=settings.PASSNUM_INVITATION_DAYS)
        pending.save(update_fields=["token_hash", "expires_at"])
        journal.INVITATION_SENT.record(
            actor=None,
            organisation=organisation,
            target=pending,
            email=pending.email,
            role=pending.get_role_display(),
            organisation_name=organisation.name,
        )
        _invitation_email_queue(pending, invitation_link(token))
    return pending, token


def _invitation_create(
    *, organisation, email, role, by, first_name="", last_name="", base_url=None
) -> tuple[Invitation, str]:
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError({"role": "Ce rôle n'existe pas pour ce type de structure."})
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": "Cette personne fait déjà partie de la structure."})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            organisation=organisation,
            role=role,
            token_hash=_token_hash(token),
            invited_by=by.user if by else None,
            expires_at=timezone.now() + timedelta(days=settings.PASSNUM_INVITATION_DAYS),
        )
        journal.INVITATION_SENT.record(
            actor=by.user if by else None,
            organisation=by.organisation if by else organisation,
            target=invitation,
            email=invitation.email,
            role=invitation.get_role_display(),
            organisation_name=organisation.name,
        )
        _invitation_email_queue(invitation, invitation_link(token, base_url=base_url))
    return invitation, token


def _invitation_email_queue(invitation: Invitation, accept_url: str) -> None:
    """Queue the invitation e-mail, sent by the worker once the invitation is committed."""
    from .tasks import invitation_email_send

    transaction.on_commit(lambda: invitation_email_send.delay(invitation.pk, accept_url))


def invitation_email_compose(*, invitation: Invitation, accept_url: str):
    """The invitation e-mail: who invites, to which organisation, the link and its expiry."""
    context = {"invitation": invitation, "accept_url": accept_url}
    subject = f"Invitation au Pass numérique : {invitation.organisation.name}"
    body = render_to_string("organisations/email/invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[invitation.email])


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation of a link, if it exists, is not used and has not expired."""
    invitation = (
        Invitation.objects.filter(token_hash=_token_hash(token))
        .select_related("organisation", "invited_by")
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        return None
    return invitation


def invitation_accept(
    *, invitation: Invitation, password: str = "", first_name: str = "", last_name: str = ""
):
    """Accepting an invitation creates the account (name and password chosen by the person)
    or, for a person who already has an account, adds the membership to it.

    Rules: an invitation is used once and not after it expires."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.expires_at < timezone.now():
            raise ValidationError("Cette invitation n'est plus valable.")
        user = get_user_model().objects.filter(email__iexact=invitation.email).first()
        if user is None:
            if not password:
                raise ValidationError({"password1": "Choisissez un mot de passe."})
            user = get_user_model().objects.create_user(
                email=invitation.email,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
        membership_add(user=user, organisation=invitation.organisation, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        journal.INVITATION_ACCEPTED.record(
            actor=user, organisation=invitation.organisation, target=invitation
        )
    return user


def invitation_cancel(*, invitation: Invitation, by: Membership) -> Invitation:
    """Withdraw a pending invitation: its link stops working at once (it expires now).

    Rules: whoever may invite to the organisation may withdraw; an accepted invitation is not
    withdrawn (deactivate the membership instead)."""
    if not may_manage_team(by, invitation.organisation):
        raise ValidationError("Vous ne gérez pas l'équipe de cette structure.")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise ValidationError("Cette invitation a déjà été acceptée.")
        invitation.expires_at = timezone.now()
        invitation.save(update_fields=["expires_at"])
        journal.INVITATION_CANCELLED.record(
            actor=by.user,
            organisation=by.organisation,
            target=invitation,
            email=invitation.email,
            organisation_name=invitation.organisation.name,
        )
    return invitation


# --- Front-desk types ---------------------------------------------------------------------------

FRONT_DESK_TYPE_FIELDS = ["label", "position", "is_active"]

#: The programme's front-desk types (programme document), in order. Migration
#: ``organisations/0003`` seeds them; ``front_desk_types_load`` puts back any missing.
PROGRAMME_FRONT_DESK_TYPES = [
    "Travailleurs sociaux",
    "Maison des solidarités départementale (MSD)",
    "CAF",
    "Mission locale",
    "SAVS / CCAS",
    "Maison France Services (MFS)",
    "PIS",
    "EEF",
]


def front_desk_types_load() -> dict[str, FrontDeskType]:
    """The programme's front-desk types by label, each created when no type has its label
    (reference data for a fresh database and the demo; idempotent)."""
    types = {}
    for position, label in enumerate(PROGRAMME_FRONT_DESK_TYPES, start=1):
        types[label], _ = FrontDeskType.objects.get_or_create(
            label=label, defaults={"position": position}
        )
    return types


def front_desk_type_save(
    *, membership: Membership, front_desk_type: FrontDeskType | None = None, **data
) -> FrontDeskType:
    """A programme manager adds a front-desk type or edits one (label, order, offered or not).
    Rules: only programme managers; labels are unique (case ignored); a type is never deleted
    (desks keep theirs), it stops being offered. Journaled with what changed."""
    require_programme_manager(membership, "Seul un gestionnaire du programme modifie les types.")
    label = (data.get("label") or "").strip()
    if not label:
        raise ValidationError({"label": "Donnez un nom à ce type d'accueil."})
    same = FrontDeskType.objects.filter(label__iexact=label)
    if front_desk_type is not None:
        same = same.exclude(pk=front_desk_type.pk)
    if same.exists():
        raise ValidationError({"label": "Ce type d'accueil existe déjà."})
    data["label"] = label
    with transaction.atomic():
        if front_desk_type is None:
            front_desk_type = FrontDeskType.objects.create(
                **{k: v for k, v in data.items() if k in FRONT_DESK_TYPE_FIELDS}
            )
            journal.FRONT_DESK_TYPE_CREATED.record(
                actor=membership.user, organisation=membership.organisation, target=front_desk_type
            )
            return front_desk_type
        before = FrontDeskType.objects.select_for_update().get(pk=front_desk_type.pk)
        for key in FRONT_DESK_TYPE_FIELDS:
            if key in data:
                setattr(front_desk_type, key, data[key])
        changes = [
            f"{FrontDeskType._meta.get_field(f).verbose_name} : "
            f"{_shown(getattr(before, f))} → {_shown(getattr(front_desk_type, f))}"
            for f in FRONT_DESK_TYPE_FIELDS
            if getattr(before, f) != getattr(front_desk_type, f)
        ]
        if changes:
            front_desk_type.save()
            journal.FRONT_DESK_TYPE_UPDATED.record(
                actor=membership.user,
                organisation=membership.organisation,
                target=front_desk_type,
                changes="; ".join(changes),
            )
    return front_desk_type


def _shown(value) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)
