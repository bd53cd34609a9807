"""Reads of the cheque stock, scoped to who asks."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Min, Q
from django.utils import timezone

from passnum.audit.models import JournalEntry
from passnum.core.dates import paris_midnight
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
from passnum.programme.vintages import ongoing_q, vintage_alert_date, vintage_freeze_date
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
from .states import CHEQUEBOOK_NOT_HANDED_OUT_STATES, REDEEMED_STATES, UNREDEEMED_STATES

# --- The stock's and the money's figures, one definition each ---------------------------------
# Named as the dashboard's definitions name them; the home panels, the stock and vintage pages,
# the dashboard (its tallies) and the exports all count with these.


def stock_at_desk_q(prefix: str = "", *, today=None) -> Q:
    """Rule (« en stock à l'accueil »): a chequebook held at a front desk (receipt confirmed
    or not) of a vintage that has not ended (``ongoing_q``)."""
    return Q(**{f"{prefix}state": ChequebookState.AT_FRONT_DESK}) & ongoing_q(
        f"{prefix}vintage__", today=today
    )


def to_give_back_q(prefix: str = "", *, today=None) -> Q:
    """Rule (« à rendre »): a chequebook still held at a front desk of a vintage that has
    ended: not stock any more, to give back to the programme."""
    return Q(**{f"{prefix}state": ChequebookState.AT_FRONT_DESK}) & ~ongoing_q(
        f"{prefix}vintage__", today=today
    )


def idle_stock_q(prefix: str = "", *, today=None) -> Q:
    """Rule (« en stock depuis plus de N jours », the radar's idle stock): stock at a desk
    (``stock_at_desk_q``) allocated more than ``PASSNUM_RADAR_STOCK_DAYS`` days ago (Europe/Paris
    midnight): it sleeps in a drawer, to hand out or to allocate elsewhere."""
    today = today or timezone.localdate()
    cutoff = paris_midnight(today - timedelta(days=settings.PASSNUM_RADAR_STOCK_DAYS))
    return stock_at_desk_q(prefix, today=today) & Q(**{f"{prefix}allocated_at__lt": cutoff})


def committed_cents(cheques_bought: int, vintage) -> int:
    """Rule (« engagé »): the cheques bought (opposed ones included) × the vintage's
    commissioner cost."""
    return cheques_bought * vintage.commissioner_cost_cents


def credit_back_cents(cheques_expired: int, vintage) -> int:
    """Rule (« à recréditer »): the cheques expired × the vintage's face value. A cheque
    expires when its vintage ends unredeemed (``vintage_expire``): a running vintage has
    nothing to credit back, only cheques not used yet (``UNREDEEMED_STATES``)."""
    return cheques_expired * vintage.face_value_cents


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
        "not_used_yet": Count("pk", filter=Q(state__in=UNREDEEMED_STATES)),
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
    row["committed_cents"] = committed_cents(row["bought"], vintage)
    row["credit_back_cents"] = credit_back_cents(row["expired"], vintage)
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
    statement or paid), cancelled, expired, not used yet (``UNREDEEMED_STATES``); committed
    (``committed_cents``) and to credit back (``credit_back_cents``: expired cheques, nothing
    while the vintage runs). In chequebooks: bought, handed out, started (a cheque redeemed),
    not handed out."""
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
    """A front desk's stock: the chequebooks it holds in stock at the desk
    (``stock_at_desk_q``). An ended vintage's are not stock: ``desk_ended_stock``."""
    return Chequebook.objects.filter(stock_at_desk_q(today=today), holder=organisation)


def desk_ended_stock(organisation, *, today=None):
    """The chequebooks a front desk has to give back (``to_give_back_q``)."""
    return Chequebook.objects.filter(to_give_back_q(today=today), holder=organisation)


def desk_stock_figures(organisation, *, today=None) -> dict:
    """A front desk's figures in one query: chequebooks awaiting receipt (whatever the vintage,
    as ``chequebooks_awaiting_receipt``), in hand (``stock_at_desk_q``), to give back
    (``to_give_back_q``), idle (``idle_stock_q``)."""
    return _held_at_desk(organisation).aggregate(
        awaiting=Count("pk", filter=awaiting_receipt_q()),
        in_hand=Count("pk", filter=stock_at_desk_q(today=today)),
        ended=Count("pk", filter=to_give_back_q(today=today)),
        idle=Count("pk", filter=idle_stock_q(today=today)),
    )


def beneficiaries_of_front_desk(organisation):
    """Rule: a front desk sees the people it registered or handed a chequebook to (the front
    desk's part of orientation's beneficiaries_visible_to, which adds mediators and managers)."""
    handed = Chequebook.objects.filter(handed_out_by_organisation=organisation).values(
        "beneficiary_id"
    )
    return Beneficiary.objects.filter(Q(registered_by_organisation=organisation) | Q(pk__in=handed))


def vintage_calendar(vintage, *, today=None) -> list[dict]:
    """A vintage's three dated steps as its page says them: the D-30 alert
    (``vintage_alert_date``, sent once: ``alert_sent_at``), the D-15 freeze
    (``vintage_freeze_date``; the date freezes, the daily task records it:
    ``handover_frozen_at``), the expiry after ``valid_until`` (``expired_at``). Each is
    ``done``, ``late`` (its date is past and it has not happened), ``lifted`` (the freeze, by
    a manager) or ``to_come``, with the day it happened."""
    today = today or timezone.localdate()
    alert, freeze = vintage_alert_date(vintage), vintage_freeze_date(vintage)
    expiry = vintage.valid_until + timedelta(days=1)

    def status(due, happened_at):
        if happened_at:
            return "done"
        return "late" if today >= due else "to_come"

    if vintage.freeze_lifted:
        freeze_status = "lifted"
    elif vintage.handover_frozen:
        freeze_status = "done"
    else:
        freeze_status = status(freeze, vintage.handover_frozen_at)
    return [
        {
            "step": "alert",
            "label": "Alerte J-30",
            "date": alert,
            "status": status(alert, vintage.alert_sent_at),
            "at": vintage.alert_sent_at,
        },
        {
            "step": "freeze",
            "label": "Gel des remises J-15",
            "date": freeze,
            "status": freeze_status,
            "at": vintage.handover_frozen_at,
        },
        {
            "step": "expiry",
            "label": "Expiration des chèques",
            "date": expiry,
            "status": status(expiry, vintage.expired_at),
            "at": vintage.expired_at,
        },
    ]


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
