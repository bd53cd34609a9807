"""The end of a vintage: D-30 alert, D-15 freeze (and its lifting), expiry after
31 January N+1, in one idempotent daily run."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from passnum.organisations.models import Membership, Organisation
from passnum.organisations.roles import (
    is_programme_manager,
    programme_manager_memberships,
    require_programme_manager,
)
from passnum.programme.models import Vintage
from passnum.programme.vintages import (
    vintage_freeze_date,
    vintage_freeze_lift_is_final,
    vintage_has_ended,
    vintage_in_alert_window,
    vintage_is_frozen,
)

from .. import journal
from ..models import (
    Cheque,
    Chequebook,
    ChequebookState,
)
from ..selectors import vintage_reconciliation
from ..states import CHEQUE_EXPIRE


def vintage_end_run(*, today=None) -> dict:
    """The daily end-of-vintage step (idempotent), for every vintage, dates in Europe/Paris:
    - from 30 November N (D-30) until the vintage ends: one alert e-mail to programme managers
      and to front desks still holding its chequebooks (``alert_sent_at`` marks it sent);
    - from 15 December N (D-15): hand-over is frozen, unless a manager lifted the freeze (the
      hand-over rule reads the date itself, ``vintage_is_frozen``; this step records the
      freeze once and tells the front desks still holding its chequebooks to stop handing
      them out, ``vintage_freeze_notify``);
    - after its last valid day (31 January N+1): unredeemed cheques (in stock, at a front desk,
      handed out) become expired."""
    today = today or timezone.localdate()
    done = {"alerted": [], "frozen": [], "expired": {}}
    for vintage in Vintage.objects.order_by("year"):
        if (
            vintage_in_alert_window(vintage, today=today) and not vintage.alert_sent_at
        ) and vintage_alert_send(vintage=vintage):
            done["alerted"].append(vintage.year)
        if (
            not vintage.handover_frozen
            and vintage_is_frozen(vintage, today=today)
            and not vintage_has_ended(vintage, today=today)
        ):
            updated = Vintage.objects.filter(
                pk=vintage.pk, handover_frozen=False, freeze_lifted=False
            ).update(handover_frozen=True, handover_frozen_at=timezone.now())
            if updated:
                journal.VINTAGE_FROZEN.record(target=vintage)
                vintage_freeze_notify(vintage=vintage)
                done["frozen"].append(vintage.year)
        if vintage_has_ended(vintage, today=today):
            count = vintage_expire(vintage=vintage)
            if count:
                done["expired"][vintage.year] = count
    return done


def vintage_alert_send(*, vintage) -> bool:
    """Send the D-30 alert once: claim it by setting ``alert_sent_at`` (a conditional UPDATE,
    so two runs never both send), then e-mail managers (the vintage's figures: cheques by
    state; chequebooks issued, handed out, not handed out, started) and front desks still
    holding stock."""
    with transaction.atomic():
        claimed = Vintage.objects.filter(pk=vintage.pk, alert_sent_at__isnull=True).update(
            alert_sent_at=timezone.now()
        )
        if not claimed:
            return False
        figures = vintage_reconciliation(vintage)
        managers = set(
            # The programme managers with an active account.
            programme_manager_memberships()
            .filter(user__is_active=True)
            .values_list("user__email", flat=True)
        )
        messages = []
        subject = (
            f"Pass numérique : fin du millésime {vintage.year} le {vintage.valid_until:%d/%m/%Y}"
        )
        body = render_to_string(
            "chequebooks/email/vintage_alert_managers.txt", {"vintage": vintage, "figures": figures}
        )
        sender = settings.DEFAULT_FROM_EMAIL
        if managers:
            messages.append((subject, body, sender, sorted(managers)))
        for desk, held, recipients in _desks_holding(vintage):
            text = render_to_string(
                "chequebooks/email/vintage_alert_desk.txt",
                {
                    "vintage": vintage,
                    "desk": desk,
                    "held": held,
                    "freeze_date": vintage_freeze_date(vintage),
                },
            )
            messages.append((subject, text, sender, recipients))
        journal.VINTAGE_ALERT_SENT.record(
            target=vintage, recipients=sum(len(m[3]) for m in messages)
        )
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return True


def _desks_holding(vintage):
    """Front desks holding chequebooks of ``vintage`` at the desk, with how many and the
    addresses to write to (active members with an active account and an address, and the
    desk's own address), by desk name. Three queries, whatever the number of desks."""
    held = dict(
        Chequebook.objects.filter(vintage=vintage, state=ChequebookState.AT_FRONT_DESK)
        .exclude(holder=None)
        .values("holder_id")
        .annotate(n=Count("pk"))
        .values_list("holder_id", "n")
    )
    addresses = {pk: set() for pk in held}
    for org_id, email in (
        Membership.objects.filter(organisation_id__in=held, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("organisation_id", "user__email")
    ):
        addresses[org_id].add(email)
    for desk in Organisation.objects.filter(pk__in=held).order_by("name"):
        recipients = addresses[desk.pk]
        if desk.email:
            recipients.add(desk.email)
        if recipients:
            yield desk, held[desk.pk], sorted(recipients)


def vintage_freeze_notify(*, vintage) -> int:
    """Rule (D-15): when a vintage's hand-over freezes, every front desk still holding its
    chequebooks is told to stop handing them out and how many it holds. Sent once, by the
    step that records the freeze; returns how many e-mails were queued (after commit)."""
    subject = f"Pass numérique : remises du millésime {vintage.year} gelées"
    messages = [
        (
            subject,
            render_to_string(
                "chequebooks/email/vintage_frozen_desk.txt",
                {"vintage": vintage, "desk": desk, "held": held},
            ),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
        for desk, held, recipients in _desks_holding(vintage)
    ]
    if messages:
        journal.VINTAGE_FREEZE_NOTIFIED.record(
            target=vintage, recipients=sum(len(m[3]) for m in messages)
        )
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(messages)


def vintage_expire(*, vintage) -> int:
    """Unredeemed cheques of an ended vintage become expired (one UPDATE; idempotent)."""
    now = timezone.now()
    with transaction.atomic():
        count = Cheque.objects.filter(
            chequebook__vintage=vintage, state__in=CHEQUE_EXPIRE.sources
        ).update(state=CHEQUE_EXPIRE.target, expired_at=now)
        if count:
            Vintage.objects.filter(pk=vintage.pk, expired_at__isnull=True).update(expired_at=now)
            journal.VINTAGE_EXPIRED.record(target=vintage, count=count)
    return count


def vintage_freeze_can_be_lifted(vintage, *, today=None) -> bool:
    """Rule: a vintage's freeze can be lifted while its hand-over is frozen
    (``vintage_is_frozen``) and it has not ended (``vintage_freeze_lift``; a programme manager
    lifts it)."""
    return vintage_is_frozen(vintage, today=today) and not vintage_has_ended(vintage, today=today)


def vintage_freeze_may_be_lifted_by(vintage, membership, *, today=None) -> bool:
    """``vintage_freeze_lift``'s rule for the page's button: a programme manager, a freeze that
    can be lifted."""
    return is_programme_manager(membership) and vintage_freeze_can_be_lifted(vintage, today=today)


def vintage_handover_label(vintage, *, today=None) -> str:
    """The state of a vintage's hand-over, said on the vintage pages: ended, frozen or open."""
    if vintage_has_ended(vintage, today=today):
        return "millésime terminé"
    return "gelées" if vintage_is_frozen(vintage, today=today) else "ouvertes"


def vintage_freeze_lift(*, vintage, membership):
    """Rule: a programme manager may lift the freeze of a vintage whose hand-over is frozen
    (``vintage_is_frozen``: by hand or since its D-15), until the vintage ends. Lifted on or
    after its D-15, the D-15 freeze then does not come back; lifting a freeze made by hand
    before its D-15 only unfreezes it, and the D-15 freeze still comes on its date. A freeze
    that has not happened cannot be lifted in advance."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut lever le gel des remises."
    )
    with transaction.atomic():
        current = Vintage.objects.select_for_update().get(pk=vintage.pk)
        if not vintage_freeze_can_be_lifted(current):
            if vintage_has_ended(current):
                raise ValidationError(f"Le millésime {current.year} est terminé : plus de remises.")
            raise ValidationError(
                f"Les remises du millésime {current.year} ne sont pas gelées : rien à lever "
                f"(le gel vient le {vintage_freeze_date(current):%d/%m/%Y})."
            )
        Vintage.objects.filter(pk=vintage.pk).update(
            handover_frozen=False,
            freeze_lifted=vintage_freeze_lift_is_final(vintage=current),
        )
    vintage.refresh_from_db()
    journal.VINTAGE_FREEZE_LIFTED.record(
        actor=membership.user, organisation=membership.organisation, target=vintage
    )
    return vintage
