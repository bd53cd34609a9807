"""Organisations, memberships and invitations. Every change is journaled."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.accounts.models import User
from passnum.audit.services import journal_record

from .models import ROLES_BY_KIND, Invitation, Membership, Organisation


def membership_add(*, user: User, organisation: Organisation, role: str, by=None) -> Membership:
    """Give ``user`` a role in ``organisation``.

    Rules: the role must fit the kind of organisation (ROLES_BY_KIND); one membership per
    person and organisation; a deactivated membership is reactivated, never duplicated.
    """
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError(
            {"role": f"Ce rôle n'existe pas pour une structure de type « {organisation.get_kind_display()} »."}
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
        journal_record(
            action="organisations.membership.added",
            actor=getattr(by, "user", None),
            organisation=organisation,
            target=membership,
            details={"role": membership.get_role_display(), "person": user.get_full_name()},
        )
    return membership


def membership_deactivate(*, membership: Membership, by=None) -> Membership:
    """Rule: a membership is deactivated, never deleted, so the journal keeps its meaning."""
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    journal_record(
        action="organisations.membership.deactivated",
        actor=getattr(by, "user", None),
        organisation=membership.organisation,
        target=membership,
        details={"person": membership.user.get_full_name()},
    )
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, organisation: Organisation, email: str, role: str, by: Membership,
    first_name: str = "", last_name: str = "",
) -> tuple[Invitation, str]:
    """Invite a person to join ``organisation`` with ``role``. Returns the invitation and the
    secret token of its link (only its hash is stored). The link expires after
    PASSNUM_INVITATION_DAYS days."""
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError({"role": "Ce rôle n'existe pas pour ce type de structure."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        role=role,
        token_hash=_token_hash(token),
        invited_by=by.user,
        expires_at=timezone.now() + timedelta(days=settings.PASSNUM_INVITATION_DAYS),
    )
    journal_record(
        action="organisations.invitation.sent",
        actor=by.user,
        organisation=by.organisation,
        target=invitation,
        details={"email": invitation.email, "role": invitation.get_role_display()},
    )
    return invitation, token


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation of a link, if it exists, is not used and has not expired."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).select_related(
        "organisation"
    ).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        return None
    return invitation


def invitation_accept(*, invitation: Invitation, password: str, first_name: str, last_name: str) -> User:
    """Accepting an invitation creates the account (or reuses it) and the membership."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.expires_at < timezone.now():
            raise ValidationError("Cette invitation n'est plus valable.")
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = User.objects.create_user(
                email=invitation.email, password=password, first_name=first_name, last_name=last_name
            )
        membership_add(user=user, organisation=invitation.organisation, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        journal_record(
            action="organisations.invitation.accepted",
            actor=user,
            organisation=invitation.organisation,
            target=invitation,
        )
    return user
