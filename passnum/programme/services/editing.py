"""Editing the programme by its managers. Every change is journaled with what changed."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from passnum.core.money import format_cents
from passnum.organisations.roles import require_programme_manager
from passnum.territory.models import Epci, Side

from .. import journal
from ..models import BudgetLine, Envelope, Funder, Programme, TargetPublic, Vintage
from ..vintages import vintage_freeze_lift_is_final

MANAGER_ONLY = "Seul un gestionnaire du programme modifie ces données."


def _changes(before, after, fields) -> dict[str, list]:
    """``{field verbose name: [old, new]}`` for the fields whose value changed."""
    changed = {}
    for name in fields:
        old, new = getattr(before, name, None), getattr(after, name, None)
        if old != new:
            label = str(type(after)._meta.get_field(name).verbose_name)
            if name.endswith("_cents"):
                label = label.replace(" (centimes)", "")
                old, new = format_cents(old), format_cents(new)
            changed[label] = [_plain(old), _plain(new)]
    return changed


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def _describe(changed: dict) -> str:
    return "; ".join(
        f"{label} : {_shown(old)} → {_shown(new)}" for label, (old, new) in changed.items()
    )


def _shown(value):
    if value is True:
        return "oui"
    if value is False:
        return "non"
    if value in (None, ""):
        return "—"
    return str(value)


def _journal(event, *, membership, target, changed=None, **details):
    """Record ``event`` for what ``membership`` did to ``target``; ``changed`` (from
    ``_changes``) becomes the French ``changes`` detail."""
    if changed is not None:
        details = {**details, "changes": _describe(changed)}
    event.record(
        actor=membership.user, organisation=membership.organisation, target=target, **details
    )


def programme_update(
    *, programme: Programme, membership, name: str, start_year: int, end_year: int
):
    """Rename the programme or change its years. Rule: the last year is not before the first."""
    require_programme_manager(membership, MANAGER_ONLY)
    if end_year < start_year:
        raise ValidationError({"end_year": "La dernière année ne peut pas précéder la première."})
    before = Programme.objects.get(pk=programme.pk)
    programme.name, programme.start_year, programme.end_year = name, start_year, end_year
    changed = _changes(before, programme, ["name", "start_year", "end_year"])
    if changed:
        with transaction.atomic():
            programme.save()
            _journal(
                journal.PROGRAMME_UPDATED,
                membership=membership,
                target=programme,
                changed=changed,
            )
    return programme


def funder_update(*, funder: Funder, membership, name: str) -> Funder:
    """Rename a funder."""
    require_programme_manager(membership, MANAGER_ONLY)
    before = Funder.objects.get(pk=funder.pk)
    funder.name = name
    changed = _changes(before, funder, ["name"])
    if changed:
        with transaction.atomic():
            funder.save(update_fields=["name"])
            _journal(
                journal.FUNDER_UPDATED,
                membership=membership,
                target=funder,
                changed=changed,
            )
    return funder


def budget_line_save(
    *,
    membership,
    funder: Funder,
    label: str,
    amount_cents: int,
    year: int | None = None,
    budget_line: BudgetLine | None = None,
) -> BudgetLine:
    """Create or change a funder's budget line. Rules: amounts are whole cents, never negative;
    a line's year, when given, lies within the programme's years."""
    require_programme_manager(membership, MANAGER_ONLY)
    if amount_cents is None or amount_cents < 0:
        raise ValidationError({"amount_cents": "Le montant ne peut pas être négatif."})
    programme = funder.programme
    if year is not None and not (programme.start_year <= year <= programme.end_year):
        raise ValidationError(
            {
                "year": f"L'année doit être comprise entre {programme.start_year} et "
                f"{programme.end_year}."
            }
        )
    with transaction.atomic():
        if budget_line is None:
            line = BudgetLine.objects.create(
                funder=funder, label=label, amount_cents=amount_cents, year=year
            )
            _journal(
                journal.BUDGET_LINE_CREATED,
                membership=membership,
                target=line,
                funder=funder.name,
                amount=format_cents(amount_cents),
            )
            return line
        before = BudgetLine.objects.get(pk=budget_line.pk)
        budget_line.funder, budget_line.label = funder, label
        budget_line.amount_cents, budget_line.year = amount_cents, year
        changed = _changes(before, budget_line, ["funder", "label", "year"])
        if before.amount_cents != amount_cents:
            changed["montant"] = [format_cents(before.amount_cents), format_cents(amount_cents)]
        if changed:
            budget_line.save()
            _journal(
                journal.BUDGET_LINE_UPDATED,
                membership=membership,
                target=budget_line,
                changed=changed,
            )
    return budget_line


def envelopes_update(*, programme: Programme, membership, targets: dict) -> list[Envelope]:
    """Set the chequebook targets of the envelopes: ``{None: CD12 target, epci_id: target}``.

    Rules: a target is a whole number of chequebooks, never negative; only partner EPCI have an
    envelope. The EPCI total is shown against the seed's 3 000 but not forced to it: the
    manager decides the split."""
    require_programme_manager(membership, MANAGER_ONLY)
    partner_ids = set(Epci.objects.filter(is_partner=True).values_list("pk", flat=True))
    changed_envelopes = []
    with transaction.atomic():
        for epci_id, target in targets.items():
            if target is None or target < 0:
                raise ValidationError("Un objectif de chéquiers est un nombre positif.")
            if epci_id is None:
                envelope, created = Envelope.objects.select_for_update().get_or_create(
                    programme=programme, side=Side.CD12, defaults={"chequebook_target": target}
                )
            else:
                if epci_id not in partner_ids:
                    raise ValidationError("Seul un EPCI partenaire a une enveloppe.")
                envelope, created = Envelope.objects.select_for_update().get_or_create(
                    programme=programme,
                    epci_id=epci_id,
                    defaults={"side": Side.EPCI, "chequebook_target": target},
                )
            old = None if created else envelope.chequebook_target
            if old == target:
                continue
            envelope.chequebook_target = target
            envelope.save(update_fields=["chequebook_target"])
            _journal(
                journal.ENVELOPE_UPDATED,
                membership=membership,
                target=envelope,
                old=_shown(old),
                new=target,
            )
            changed_envelopes.append(envelope)
    return changed_envelopes


VINTAGE_FIELDS = [
    "year",
    "valid_from",
    "valid_until",
    "face_value_cents",
    "commissioner_cost_cents",
    "mediator_net_cents",
    "cheques_per_chequebook",
    "handover_frozen",
]


def vintage_save(*, membership, programme: Programme, vintage: Vintage | None = None, **data):
    """Create or change a vintage (millésime).

    Rules: validity ends after it starts; the mediator's net is at most the face value, and the
    commissioner's cost at least the face value; a chequebook holds 5 or 10 cheques; the year
    is unique. Lifting a freeze follows ``vintage_freeze_lift_is_final``: on or after
    15 December it is marked lifted by a manager, so the automatic freeze does not come back;
    before that date it only unfreezes, and the 15 December freeze still comes."""
    require_programme_manager(membership, MANAGER_ONLY)
    errors = {}
    if data["valid_until"] <= data["valid_from"]:
        errors["valid_until"] = "La fin de validité doit suivre son début."
    if data["mediator_net_cents"] > data["face_value_cents"]:
        errors["mediator_net_cents"] = "Le net versé au médiateur ne dépasse pas la valeur faciale."
    if data["commissioner_cost_cents"] < data["face_value_cents"]:
        errors["commissioner_cost_cents"] = (
            "Le coût pour le commanditaire est au moins la valeur faciale."
        )
    if data["cheques_per_chequebook"] not in (5, 10):
        errors["cheques_per_chequebook"] = "Un chéquier compte 5 ou 10 chèques."
    same_year = Vintage.objects.filter(year=data["year"])
    if vintage is not None:
        same_year = same_year.exclude(pk=vintage.pk)
    if same_year.exists():
        errors["year"] = "Ce millésime existe déjà."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if vintage is None:
            vintage = Vintage(programme=programme, **data)
            if vintage.handover_frozen:
                vintage.handover_frozen_at = timezone.now()
            vintage.save()
            _journal(journal.VINTAGE_CREATED, membership=membership, target=vintage)
            return vintage
        before = Vintage.objects.select_for_update().get(pk=vintage.pk)
        for key, value in data.items():
            setattr(vintage, key, value)
        if vintage.handover_frozen and not before.handover_frozen:
            vintage.handover_frozen_at = timezone.now()
            vintage.freeze_lifted = False
        elif before.handover_frozen and not vintage.handover_frozen:
            vintage.freeze_lifted = vintage_freeze_lift_is_final(vintage=vintage)
        changed = _changes(before, vintage, VINTAGE_FIELDS)
        if changed:
            vintage.save()
            _journal(
                journal.VINTAGE_UPDATED,
                membership=membership,
                target=vintage,
                changed=changed,
            )
    return vintage


def target_public_create(*, membership, side: str, label: str) -> TargetPublic:
    """Add a target public on one side, after the existing ones."""
    require_programme_manager(membership, MANAGER_ONLY)
    label = label.strip()
    if TargetPublic.objects.filter(side=side, label__iexact=label).exists():
        raise ValidationError({"label": "Ce public cible existe déjà de ce côté."})
    base = f"{side}-{slugify(label)[:40]}"
    code, n = base, 1
    while TargetPublic.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    position = (TargetPublic.objects.filter(side=side).aggregate(m=Max("position"))["m"] or 0) + 1
    with transaction.atomic():
        public = TargetPublic.objects.create(side=side, code=code, label=label, position=position)
        _journal(
            journal.TARGET_PUBLIC_CREATED,
            membership=membership,
            target=public,
            side=public.get_side_display(),
        )
    return public


def target_public_update(*, membership, public: TargetPublic, label: str, is_active: bool):
    """Rename a target public, or (de)activate it. Rule: a target public is never deleted,
    since beneficiaries keep the category they were registered with; a deactivated one is no
    longer offered."""
    require_programme_manager(membership, MANAGER_ONLY)
    label = label.strip()
    if (
        TargetPublic.objects.filter(side=public.side, label__iexact=label)
        .exclude(pk=public.pk)
        .exists()
    ):
        raise ValidationError({"label": "Ce public cible existe déjà de ce côté."})
    before = TargetPublic.objects.get(pk=public.pk)
    public.label, public.is_active = label, is_active
    changed = _changes(before, public, ["label", "is_active"])
    if changed:
        with transaction.atomic():
            public.save(update_fields=["label", "is_active"])
            _journal(
                journal.TARGET_PUBLIC_UPDATED,
                membership=membership,
                target=public,
                changed=changed,
            )
    return public


def epci_partners_set(*, membership, partner_ids) -> tuple[list[Epci], list[Epci]]:
    """Choose which EPCI are partners of the programme. Returns (added, removed).

    Rule: an EPCI that has an envelope or organisations keeps them; leaving the partnership
    only stops new envelopes."""
    require_programme_manager(membership, MANAGER_ONLY)
    wanted = {int(pk) for pk in partner_ids}
    added, removed = [], []
    with transaction.atomic():
        for epci in Epci.objects.select_for_update().order_by("name"):
            should = epci.pk in wanted
            if epci.is_partner == should:
                continue
            epci.is_partner = should
            epci.save(update_fields=["is_partner"])
            (added if should else removed).append(epci)
            _journal(
                journal.EPCI_PARTNER_ADDED if should else journal.EPCI_PARTNER_REMOVED,
                membership=membership,
                target=epci,
            )
    return added, removed
