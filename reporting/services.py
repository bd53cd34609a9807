"""Reporting's writes: reminders to front desks, periodic reports, exports, tally refresh."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from chequebooks.states import REDEEMED_STATES
from orientation.models import Referral
from passnum.audit.models import JournalEntry
from passnum.core.exports import sheet_open
from passnum.core.storage import file_record_once
from passnum.organisations.models import Membership, Organisation, OrganisationKind
from passnum.organisations.roles import is_coordinating
from passnum.pdf import render_pdf, sha256

from . import journal
from .models import ExportJob, Report
from .selectors import (
    NO_EPCI,
    Filters,
    chequebooks_in_scope,
    dashboard_context,
    period_error,
    period_q,
    radar_referrals_overdue,
    scope_epci_id,
)
from .selectors.definitions import FIGURE_LABELS
from .selectors.state_report import (
    PROGRAMME,
    STATE,
    state_report_rows,
    state_report_sections,
)
from .summaries import summaries_refresh  # noqa: F401  (re-exported: the tally rebuild)


def front_desk_remind(*, organisation, membership, topic: str, count: int = 0) -> None:
    """Rule: a programme manager (or the EPCI coordinator of the desk's EPCI) may remind a
    front desk of chequebooks handed out and never started, or of cheques about to expire;
    at most once a day per desk (``_remind_once_a_day``). The desk's active members with an
    address get an e-mail (``reminder_recipients``, through Celery); journaled."""
    if not is_coordinating(membership):
        raise ValidationError("Seuls les gestionnaires du programme peuvent relancer un accueil.")
    if organisation.kind != OrganisationKind.FRONT_DESK:
        raise ValidationError("Seul un accueil de 1er niveau peut être relancé.")
    epci = scope_epci_id(membership)
    if epci and organisation.epci_id != epci:
        raise ValidationError("Cet accueil n'est pas dans votre intercommunalité.")
    if topic not in REMINDER_TOPICS:
        raise ValidationError("Motif de relance inconnu.")
    from .tasks import front_desk_remind_send

    _remind_once_a_day(
        event=journal.FRONT_DESK_REMINDED,
        target=organisation,
        membership=membership,
        details={"topic": reminder_topic(topic), "count": count},
        refused="Cet accueil a déjà été relancé dans les dernières 24 heures.",
        send=lambda: front_desk_remind_send.delay(organisation.pk, topic, count, membership.pk),
    )


def _remind_once_a_day(*, event, target, membership, details, refused, send) -> None:
    """Rule (every reminder): at most one reminder a day per target. The target's row is
    locked (``select_for_update``) while the last 24 hours of the journal are read and the
    reminder is journaled, so two clicks at once journal and send one reminder, the other
    refused with ``refused``; the e-mail leaves after commit (``send``)."""
    with transaction.atomic():
        type(target).objects.select_for_update().filter(pk=target.pk).first()
        since = timezone.now() - datetime.timedelta(days=1)
        if JournalEntry.objects.filter(
            action=event.code, target_id=str(target.pk), created_at__gte=since
        ).exists():
            raise ValidationError(refused)
        event.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=target,
            **details,
        )
        transaction.on_commit(send)


def reminder_recipients(organisation) -> list[str]:
    """Rule (every reminder): an organisation's reminder goes to its active members whose
    account is active and has an e-mail address, each address once."""
    return list(
        Membership.objects.filter(organisation=organisation, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(user__email__isnull=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


REMINDER_TOPICS = {
    "not_started": "chéquiers remis et jamais commencés",
    "expiring": "chèques bientôt expirés",
    # The radar's idle stock, named as the dashboard names it (``reminder_topic``).
    "stock": "chéquiers {idle_stock}",
}


def reminder_topic(topic: str) -> str:
    """A reminder's topic in words (``REMINDER_TOPICS``), the idle stock with its days."""
    idle = FIGURE_LABELS["idle_stock"].format(days=settings.PASSNUM_RADAR_STOCK_DAYS).lower()
    return REMINDER_TOPICS[topic].format(idle_stock=idle)


def front_desk_reminder_send(*, organisation_id: int, topic: str, count: int, membership_id: int):
    """Send the reminder e-mail to the front desk (``reminder_recipients``)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    sender = Membership.objects.select_related("user", "organisation").get(pk=membership_id)
    recipients = reminder_recipients(organisation)
    body = render_to_string(
        "reporting/email/front_desk_reminder.txt",
        {"organisation": organisation, "topic": reminder_topic(topic), "count": count,
         "sender": sender},
    )  # fmt: skip
    subject = f"Pass numérique : relance – {reminder_topic(topic)}"
    send_mass_mail(
        [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients],
        fail_silently=False,
    )


def referral_remind(*, referral, membership) -> None:
    """Rule: a programme manager, or an EPCI coordinator for a referral of its EPCI (made by
    its desks, to its places or for its residents), may remind the mediator of a referral
    still proposed after PASSNUM_REFERRAL_FOLLOW_UP_DAYS days (one of the radar's list); at
    most once a day per referral (``_remind_once_a_day``). The mediator's active members with
    an address get an e-mail (``reminder_recipients``, through Celery; the referral's number,
    place and date, no personal data); journaled."""
    if not is_coordinating(membership):
        raise ValidationError("Seuls les gestionnaires du programme peuvent relancer.")
    overdue = radar_referrals_overdue(Filters(scope_epci_id=scope_epci_id(membership)))
    if not overdue.filter(pk=referral.pk).exists():
        raise ValidationError(
            "Cette orientation n'attend plus de réponse, ou n'est pas de votre intercommunalité."
        )
    from .tasks import referral_remind_send

    _remind_once_a_day(
        event=journal.REFERRAL_REMINDED,
        target=referral,
        membership=membership,
        details={"mediator": referral.mediator_id},
        refused="Cette orientation a déjà été relancée dans les dernières 24 heures.",
        send=lambda: referral_remind_send.delay(referral.pk, membership.pk),
    )


def referral_reminder_send(*, referral_id: int, membership_id: int) -> None:
    """Send the referral's reminder to its mediator (``reminder_recipients``)."""
    referral = Referral.objects.select_related("mediator", "place", "from_organisation").get(
        pk=referral_id
    )
    sender = Membership.objects.select_related("user", "organisation").get(pk=membership_id)
    recipients = reminder_recipients(referral.mediator)
    body = render_to_string(
        "reporting/email/referral_reminder.txt", {"referral": referral, "sender": sender}
    )
    subject = f"Pass numérique : relance – orientation n° {referral.pk} en attente de réponse"
    send_mass_mail(
        [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients],
        fail_silently=False,
    )


# --- Periodic reports -------------------------------------------------------------------------


def report_request(*, membership, period_start, period_end) -> Report:
    """Rule: programme managers and EPCI coordinators ask for a periodic report; an EPCI
    coordinator's covers its EPCI only. The PDF is produced in Celery."""
    if not is_coordinating(membership):
        raise ValidationError("Seuls les gestionnaires du programme produisent des rapports.")
    error = period_error(period_start, period_end)
    if error:
        raise ValidationError({"period_end": error})
    epci = scope_epci_id(membership)
    if epci == NO_EPCI:
        raise ValidationError("Votre structure n'est rattachée à aucune intercommunalité.")
    report = Report.objects.create(
        period_start=period_start,
        period_end=period_end,
        epci_id=epci,
        organisation=membership.organisation,
        created_by=membership.user,
    )
    journal.REPORT_REQUESTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=report,
    )
    from .tasks import report_generate

    transaction.on_commit(lambda: report_generate.delay(report.pk))
    return report


def report_generate(*, report_id: int) -> Report:
    """The worker's task for a report: running, then rendered (``report_render``), done; a
    failure is recorded on the report for the person to see (the task does not retry)."""
    report = Report.objects.select_related("epci", "created_by").get(pk=report_id)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
    try:
        # The report states the figures of the day it is produced, not of the last refresh:
        # hand-overs and redemptions over the period, everything else (stock, funnel,
        # budget, radar and its expiry windows) to the day of production, as it says.
        summaries_refresh()
        if not report.file:
            # Rendered once: its bytes written whole (temporary file, then rename) and
            # recorded with their SHA-256 only if no other rendering did first.
            pdf = report_render(report)
            file_record_once(
                report, field="file", name=f"rapport-{report.pk}.pdf", data=pdf, sha256=sha256(pdf)
            )
        name = state_report_name(report)
        if report.epci_id is None and not default_storage.exists(name):
            # A whole-programme report has its State version too (same figures, the funder's
            # selection), kept beside it, written whole by the private storage.
            default_storage.save(name, ContentFile(report_render(report, variant=STATE)))
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.DONE, finished_at=timezone.now()
        )
        report.refresh_from_db()
    except Exception as exc:  # the person sees the failure; the task does not retry
        Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, error=str(exc))
        raise
    return report


def report_filters(report) -> Filters:
    """A report's figures: hand-overs and redemptions over its period, in its scope."""
    return Filters(
        period_start=report.period_start,
        period_end=report.period_end,
        scope_epci_id=report.epci_id,
    )


def report_render(report, *, variant: str = PROGRAMME) -> bytes:
    """The one rendering of a periodic report (PDF, ``reporting/report_pdf.html``): the
    dashboard's figures for its period and scope (``dashboard_context``). ``variant``: the
    programme's full report, or the State's (``STATE``: the figures a funder asks for,
    ``state_report_rows``, whole programme only)."""
    if variant not in (PROGRAMME, STATE):
        raise ValueError(f"Unknown report variant {variant!r}")
    context = dashboard_context(report_filters(report), for_pdf=True)
    context.update({"report": report, "generated_at": timezone.now(), "variant": variant})
    if variant == STATE:
        context["state_sections"] = state_report_sections(state_report_rows(context))
    created = timezone.make_aware(datetime.datetime.combine(report.period_end, datetime.time(12)))
    title = f"{report} – version pour l'État" if variant == STATE else str(report)
    return render_pdf("reporting/report_pdf.html", context, title=title, created=created)


def state_report_name(report) -> str:
    """Where a whole-programme report's State version is kept: beside the report's PDF
    (private storage, served only by ``report_state_download``)."""
    return f"reporting/reports/rapport-{report.pk}-etat.pdf"


def state_report_figures(report) -> list[dict]:
    """The State version's figures, line by line (its XLSX): ``state_report_rows`` for the
    report's period, from the tallies as last rebuilt."""
    return state_report_rows(dashboard_context(report_filters(report)))


# --- Exports ----------------------------------------------------------------------------------

EXPORT_KINDS = {"chequebooks": "Chéquiers, un par ligne (données pseudonymisées)"}


def export_request(*, membership, kind: str, format: str, params: dict) -> ExportJob:
    """Rule: a detailed export (one row per chequebook, with the person's number, commune and
    public) is personal data: only programme managers and EPCI coordinators (their EPCI) may
    ask, it runs in Celery, and asking for it is journaled. It follows the dashboard's
    filters; a period keeps the chequebooks handed out in it."""
    if not is_coordinating(membership):
        raise ValidationError("Cet export est réservé aux gestionnaires du programme.")
    if kind not in EXPORT_KINDS or format not in ExportJob.Format.values:
        raise ValidationError("Export inconnu.")
    epci = scope_epci_id(membership)
    params = {**params, "scope_epci_id": epci}
    job = ExportJob.objects.create(
        kind=kind, format=format, params=params, organisation=membership.organisation,
        created_by=membership.user,
    )  # fmt: skip
    journal.EXPORT_REQUESTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=job,
        kind=EXPORT_KINDS[kind],
        format=format,
    )
    from .tasks import export_run

    transaction.on_commit(lambda: export_run.delay(job.pk))
    return job


EXPORT_COLUMNS = [
    ("number", "Chéquier"),
    ("vintage__year", "Millésime"),
    ("envelope__side", "Côté"),
    ("envelope__epci__name", "Enveloppe EPCI"),
    ("state", "État"),
    ("holder__name", "Accueil détenteur"),
    ("holder__front_desk_type__label", "Type d'accueil"),
    ("allocated_at", "Attribué le"),
    ("handed_out_at", "Remis le"),
    ("beneficiary_id", "Personne (n°)"),
    ("beneficiary__commune__name", "Commune"),
    ("beneficiary__target_public__label", "Public cible"),
    ("used", "Chèques encaissés"),
]
EXPORT_CHUNK = 2000


def export_run(*, job_id: int) -> ExportJob:
    """Write the export's file chunk by chunk, saving the progress as it goes."""
    job = ExportJob.objects.get(pk=job_id)
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        p = job.params
        filters = Filters(
            vintage_id=p.get("vintage_id"), side=p.get("side") or "", epci_id=p.get("epci_id"),
            organisation_id=p.get("organisation_id"), scope_epci_id=p.get("scope_epci_id"),
        )  # fmt: skip
        filters.period_start = _date_or_none(p.get("period_start"))
        filters.period_end = _date_or_none(p.get("period_end"))
        # The period applies to hand-overs, by whole months as on the dashboard (``period_q``).
        qs = chequebooks_in_scope(filters).filter(period_q("handed_out_at", filters))
        qs = (
            qs.annotate(used=Count("cheques", filter=Q(cheques__state__in=REDEEMED_STATES)))
            .order_by("number")
            .values_list(*[c for c, _ in EXPORT_COLUMNS])
        )
        total = qs.count() or 1
        header = [label for _, label in EXPORT_COLUMNS]
        rows_done = 0
        # The one export writer: French CSV or XLSX, formula cells neutralised.
        sheet = sheet_open(job.format, title="Chéquiers", header=header)
        for row in qs.iterator(chunk_size=EXPORT_CHUNK):
            sheet.append([_cell(v) for v in row])
            rows_done += 1
            if rows_done % EXPORT_CHUNK == 0:
                ExportJob.objects.filter(pk=job.pk).update(
                    progress=min(99, 100 * rows_done // total), row_count=rows_done
                )
        content = sheet.content()
        job.file.save(f"export-{job.pk}.{job.format}", ContentFile(content), save=False)
        job.status = ExportJob.Status.DONE
        job.progress = 100
        job.row_count = rows_done
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "status", "progress", "row_count", "finished_at"])
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(exc))
        raise
    return job


def _date_or_none(value):
    return datetime.date.fromisoformat(value) if value else None


def _cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y")
    return "" if value is None else value


def export_downloaded(*, job, membership) -> None:
    """Rule: every download of an export of personal data is journaled."""
    journal.EXPORT_DOWNLOADED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=job,
        kind=EXPORT_KINDS.get(job.kind, job.kind),
        rows=job.row_count,
    )


def report_downloaded(*, report, membership) -> None:
    """Rule: every download of a periodic report is journaled."""
    journal.REPORT_DOWNLOADED.record(
        actor=membership.user, organisation=membership.organisation, target=report
    )
