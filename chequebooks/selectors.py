"""Reads of the cheque stock, scoped to who asks."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Min, Q

from passnum.audit.models import JournalEntry
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.organisations.roles import (
    coordinator_epci_id,
    is_epci_coordinator,
    is_front_desk_agent,
    is_programme_manager,
    sees_whole_programme,
)
from passnum.people.models import Beneficiary
from passnum.programme.models import Envelope
from passnum.programme.vintages import ongoing_q
from passnum.territory.models import Side

from . import journal
from .models import (
    Cheque,
    Chequebook,
    ChequebookState,
    ChequeState,
    PrintRun,
    awaiting_receipt_q,
)
from .states import CHEQUEBOOK_NOT_HANDED_OUT_STATES, REDEEMED_STATES


def chequebooks_visible_to(membership):
    """Rule: programme managers see every chequebook; an EPCI coordinator those of its EPCI's
    envelope or held by its EPCI's front desks; a front desk those it holds or handed out;
    nobody else any."""
    qs = Chequebook.objects.all()
    if is_programme_manager(membership):
        return qs
    epci_id = coordinator_epci_id(membership)
    if epci_id:
        return qs.filter(Q(envelope__epci_id=epci_id) | Q(holder__epci_id=epci_id))
    if is_front_desk_agent(membership):
        org = membership.organisation
        return qs.filter(Q(holder=org) | Q(handed_out_by_organisation=org))
    return qs.none()


def cheques_visible_to(membership):
    return Cheque.objects.filter(chequebook__in=chequebooks_visible_to(membership))


def print_runs_visible_to(membership):
    """Rule: print runs (and their files, which carry codes) are for programme managers only."""
    if not is_programme_manager(membership):
        return PrintRun.objects.none()
    return PrintRun.objects.all()


def envelopes_visible_to(membership):
    """Rule: programme managers (of the programme's owner) and State observers
    (``sees_whole_programme``) see every envelope; an EPCI coordinator its EPCI's envelope
    (none when its structure has no EPCI); nobody else, nor an inactive membership, any. The
    stock and vintage figures rest on it."""
    qs = Envelope.objects.select_related("epci")
    if sees_whole_programme(membership):
        return qs
    epci_id = coordinator_epci_id(membership)
    if epci_id:
        return qs.filter(side=Side.EPCI, epci_id=epci_id)
    return qs.none()


def envelopes_scope_label(membership) -> str:
    """What ``envelopes_visible_to`` covers, said on the stock and vintage pages: nothing to
    say for the whole programme; the EPCI's envelope for its coordinator; and, for a
    coordinator whose structure has no EPCI, why the figures are empty."""
    if membership is None or sees_whole_programme(membership):
        return ""
    envelope = envelopes_visible_to(membership).first()
    if envelope is None:
        return "aucune enveloppe, votre structure n'étant rattachée à aucune intercommunalité"
    return f"enveloppe de {envelope.epci}"


def front_desks_served_by(envelope):
    """The active front desks an envelope serves (its side, and its EPCI for an EPCI one)."""
    qs = Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK, is_active=True)
    if envelope.side == Side.CD12:
        return qs.filter(side=Side.CD12)
    return qs.filter(side=Side.EPCI, epci_id=envelope.epci_id)


def stock_by_envelope(membership, *, vintage=None):
    """Per envelope: chequebooks in stock (ready or not), at front desks, handed out,
    cancelled; of ``vintage``, or else of the vintages that have not ended. Two queries."""
    envelopes = list(envelopes_visible_to(membership))
    qs = Chequebook.objects.filter(envelope__in=envelopes)
    qs = qs.filter(vintage=vintage) if vintage is not None else qs.filter(ongoing_q())
    counts = {
        row["envelope"]: row
        for row in qs.values("envelope").annotate(
            in_stock=Count("pk", filter=Q(state=ChequebookState.IN_STOCK)),
            at_desks=Count("pk", filter=Q(state=ChequebookState.AT_FRONT_DESK)),
            unconfirmed=Count("pk", filter=awaiting_receipt_q()),
            handed_out=Count("pk", filter=Q(state=ChequebookState.HANDED_OUT)),
            cancelled=Count("pk", filter=Q(state=ChequebookState.CANCELLED)),
            total=Count("pk"),
        )
    }
    empty = {
        "in_stock": 0,
        "at_desks": 0,
        "unconfirmed": 0,
        "handed_out": 0,
        "cancelled": 0,
        "total": 0,
    }
    return [{**counts.get(e.pk, empty), "envelope": e} for e in envelopes]


def stock_by_organisation(membership, *, vintage=None, envelope=None):
    """Per front desk: chequebooks held (received or awaiting receipt), handed out by it, and
    the oldest allocation still in its drawer; of ``vintage``, or else of the vintages that
    have not ended. Two queries."""

    desks = Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK)
    if is_epci_coordinator(membership):
        # A coordinator whose structure has no EPCI sees no desk (``coordinator_epci_id``).
        epci_id = coordinator_epci_id(membership)
        desks = desks.filter(epci_id=epci_id) if epci_id else desks.none()
    elif not is_programme_manager(membership):
        desks = desks.filter(pk=membership.organisation_id)
    held = Q(held_chequebooks__state=ChequebookState.AT_FRONT_DESK)
    handed = Q(handed_out_chequebooks__state=ChequebookState.HANDED_OUT)
    if vintage is not None:
        held &= Q(held_chequebooks__vintage=vintage)
        handed &= Q(handed_out_chequebooks__vintage=vintage)
    else:
        held &= ongoing_q("held_chequebooks__vintage__")
        handed &= ongoing_q("handed_out_chequebooks__vintage__")
    if envelope is not None:
        held &= Q(held_chequebooks__envelope=envelope)
        handed &= Q(handed_out_chequebooks__envelope=envelope)
    # Two separate aggregations to avoid the join product of two reverse relations.
    held_rows = desks.annotate(
        held=Count("held_chequebooks", filter=held, distinct=True),
        unconfirmed=Count(
            "held_chequebooks",
            filter=held & awaiting_receipt_q("held_chequebooks__"),
            distinct=True,
        ),
        oldest=Min("held_chequebooks__allocated_at", filter=held),
    ).values("pk", "name", "side", "epci__name", "held", "unconfirmed", "oldest")
    handed_rows = dict(
        desks.annotate(n=Count("handed_out_chequebooks", filter=handed, distinct=True)).values_list(
            "pk", "n"
        )
    )
    return [dict(row, handed_out=handed_rows.get(row["pk"], 0)) for row in held_rows]


def _figures() -> dict:
    redeemed = Q(state__in=REDEEMED_STATES)
    return {
        "bought": Count("pk"),
        "in_stock": Count("pk", filter=Q(state=ChequeState.IN_STOCK)),
        "at_desks": Count("pk", filter=Q(state=ChequeState.AT_FRONT_DESK)),
        "handed_out": Count("pk", filter=Q(state=ChequeState.HANDED_OUT)),
        "redeemed": Count("pk", filter=redeemed),
        "cancelled": Count("pk", filter=Q(state=ChequeState.CANCELLED)),
        "expired": Count("pk", filter=Q(state=ChequeState.EXPIRED)),
        "chequebooks": Count("chequebook", distinct=True),
        "chequebooks_handed_out": Count(
            "chequebook", distinct=True, filter=Q(chequebook__state=ChequebookState.HANDED_OUT)
        ),
        "chequebooks_not_handed_out": Count(
            "chequebook",
            distinct=True,
            filter=Q(chequebook__state__in=CHEQUEBOOK_NOT_HANDED_OUT_STATES),
        ),
        # Started (entamé): at least one of its cheques redeemed.
        "chequebooks_started": Count("chequebook", distinct=True, filter=redeemed),
    }


def _complete(row: dict, vintage) -> dict:
    """A vintage's figures with every key of ``_figures`` (0 when it has no cheque)."""
    row = {**dict.fromkeys(_figures(), 0), **row}
    row["unused"] = row["bought"] - row["redeemed"]
    row["credit_back_cents"] = row["unused"] * vintage.face_value_cents
    return row


def reconciliation_scope(membership):
    """Rule: the end-of-vintage figures cover the cheques of the envelopes the person sees
    (``envelopes_visible_to``: the whole programme for programme managers, its EPCI's
    envelope for a coordinator, none otherwise); the programme's own alerts
    (``membership=None``) cover the whole programme."""
    if membership is None:
        return Cheque.objects.all()
    return Cheque.objects.filter(chequebook__envelope__in=envelopes_visible_to(membership))


def vintage_reconciliation(vintage, membership=None) -> dict:
    """The end-of-vintage figures, in cheques (one query), within ``reconciliation_scope``:
    bought, in stock, at front desks, handed out (not yet redeemed), redeemed (incl. on a
    statement or paid), cancelled, expired; and the value to credit back: the face value of
    every cheque never redeemed. In chequebooks: bought, handed out, started (a cheque
    redeemed), not handed out."""
    row = (
        reconciliation_scope(membership).filter(chequebook__vintage=vintage).aggregate(**_figures())
    )
    return _complete(row, vintage)


def vintages_reconciliation(vintages, membership) -> list:
    """``vintage_reconciliation`` for several vintages in one grouped query:
    ``[(vintage, figures), ...]`` in the order given."""
    vintages = list(vintages)
    rows = {
        row.pop("chequebook__vintage"): row
        for row in reconciliation_scope(membership)
        .filter(chequebook__vintage__in=vintages)
        .values("chequebook__vintage")
        .annotate(**_figures())
        .order_by()
    }
    return [(v, _complete(rows.get(v.pk, {}), v)) for v in vintages]


def chequebooks_awaiting_receipt(organisation):
    """The chequebooks at a front desk whose receipt it has not confirmed, whatever the vintage."""
    return Chequebook.objects.filter(awaiting_receipt_q(), holder=organisation)


def _held_at_desk(organisation):
    return Chequebook.objects.filter(holder=organisation, state=ChequebookState.AT_FRONT_DESK)


def desk_stock(organisation, *, today=None):
    """Rule: a front desk's stock is the chequebooks it holds at the desk (receipt confirmed or
    not) of a vintage that has not ended (``ongoing_q``). An ended vintage's chequebooks are
    not stock any more: ``desk_ended_stock``, to give back."""
    return _held_at_desk(organisation).filter(ongoing_q(today=today))


def desk_ended_stock(organisation, *, today=None):
    """The chequebooks a front desk still holds of an ended vintage (not stock: to give back)."""
    return _held_at_desk(organisation).exclude(ongoing_q(today=today))


def desk_stock_figures(organisation, *, today=None) -> dict:
    """A front desk's figures in one query: chequebooks awaiting receipt (whatever the vintage,
    as ``chequebooks_awaiting_receipt``), in hand (``desk_stock``), of ended vintages
    (``desk_ended_stock``)."""
    ongoing = ongoing_q(today=today)
    return _held_at_desk(organisation).aggregate(
        awaiting=Count("pk", filter=awaiting_receipt_q()),
        in_hand=Count("pk", filter=ongoing),
        ended=Count("pk", filter=~ongoing),
    )


def beneficiaries_of_front_desk(organisation):
    """Rule: a front desk sees the people it registered or handed a chequebook to (the front
    desk's part of orientation's beneficiaries_visible_to, which adds mediators and managers)."""
    handed = Chequebook.objects.filter(handed_out_by_organisation=organisation).values(
        "beneficiary_id"
    )
    return Beneficiary.objects.filter(Q(registered_by_organisation=organisation) | Q(pk__in=handed))


#: The journal events of a chequebook that are moves of the chequebook itself but no stock
#: movement: its hand-over to a person.
HANDOVER_EVENTS = (journal.CHEQUEBOOK_HANDED_OUT,)


def chequebook_movements(chequebook) -> list[dict]:
    """A chequebook's moves, newest first: its stock movements (allocation, receipt,
    transfer, return) and its hand-over to a person, which ``chequebook_hand_over`` journals
    (CHEQUEBOOK_HANDED_OUT) without a StockMovement. Each: kind (French), from and to
    organisation, by whom, when, and ``handover``."""
    rows = [
        {
            "kind": m.get_kind_display(),
            "from_organisation": m.from_organisation,
            "to_organisation": m.to_organisation,
            "by": m.by,
            "at": m.at,
            "handover": False,
        }
        for m in chequebook.movements.select_related("from_organisation", "to_organisation", "by")
    ]
    entries = JournalEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Chequebook),
        target_id=str(chequebook.pk),
        action__in=[e.code for e in HANDOVER_EVENTS],
    ).select_related("actor", "organisation")
    rows += [
        {
            "kind": "Remise à la personne",
            "from_organisation": e.organisation,
            "to_organisation": None,
            "by": e.actor,
            "at": e.created_at,
            "handover": True,
        }
        for e in entries
    ]
    return sorted(rows, key=lambda row: row["at"], reverse=True)
