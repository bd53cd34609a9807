"""Reporting's pages: dashboard, breakdown tables and exports, the radar's lists, reports."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django_tables2 import RequestConfig

from orientation import services as orientation_services
from passnum.core.exports import FORMATS as EXPORT_FORMATS
from passnum.core.exports import table_response
from passnum.core.forms import form_add_service_errors
from passnum.core.numbers import number_or_none
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.organisations.permissions import COORDINATORS, FIGURE_READERS, role_required
from passnum.organisations.roles import is_coordinating, is_programme_manager, is_state_observer

from . import selectors, services, tasks
from .filters import DashboardFilter
from .forms import ExportForm, ReportForm
from .models import ExportJob, Report
from .tables import BREAKDOWNS, StaleStockTable, StateReportTable


def _filter(request):
    return DashboardFilter(request.GET or None, membership=request.membership)


def _ensure_summaries():
    """The tallies are rebuilt by Celery beat; the very first visit builds them if none."""
    run = selectors.last_summary_run()
    if run is None:
        run = services.summaries_refresh()
    return run


@role_required(*FIGURE_READERS)
def dashboard(request):
    _ensure_summaries()
    filterset = _filter(request)
    filters = filterset.to_filters()
    # A State observer's page, like the PDF, links to none of the radar's lists: their
    # actions (reminders, transfers) are the coordinators'.
    context = selectors.dashboard_context(filters, for_pdf=is_state_observer(request.membership))
    context.update(
        {
            "filter": filterset,
            "query": request.GET.urlencode(),
            "breakdowns": BREAKDOWNS,
            "scope_epci": request.organisation.epci if filters.scope_epci_id else None,
            "export_form": ExportForm(),
        }
    )
    return render(request, "reporting/dashboard.html", context)


@role_required(*FIGURE_READERS)
def breakdown(request, name):
    if name not in BREAKDOWNS:
        raise Http404
    _ensure_summaries()
    title, table_class = BREAKDOWNS[name]
    filterset = _filter(request)
    filters = filterset.to_filters()
    table = table_class(selectors.breakdown_rows(name, filters))
    RequestConfig(request, paginate=False).configure(table)
    run = selectors.last_summary_run()
    export_format = request.GET.get("_export")
    if export_format in EXPORT_FORMATS:
        # Aggregated figures only: no personal data, so not journaled. The file is named
        # after the moment its figures were frozen, not the day it is downloaded.
        return table_response(
            table,
            fmt=export_format,
            filename=f"passnum-{name}-{_frozen_stamp(run)}.{export_format}",
        )
    return render(
        request,
        "reporting/breakdown.html",
        {"title": title, "name": name, "table": table, "filter": filterset, "run": run,
         "query": _query_without_export(request)},
    )  # fmt: skip


def _frozen_stamp(run) -> str:
    """``chiffres-du-20261201-0710``: when the tallies behind a file were rebuilt."""
    return "chiffres-du-" + timezone.localtime(run.refreshed_at).strftime("%Y%m%d-%H%M")


def _query_without_export(request):
    q = request.GET.copy()
    q.pop("_export", None)
    return q.urlencode()


@require_POST
@role_required(*COORDINATORS)
def refresh(request):
    transaction.on_commit(tasks.summaries_refresh.delay)
    messages.success(
        request, "La mise à jour des chiffres est lancée ; elle prend moins d'une minute."
    )
    return redirect(_safe_next(request) or "reporting:dashboard")


def _safe_next(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


# --- Radar ------------------------------------------------------------------------------------


def _stock_action_url():
    """The stock app's page for reallocating stock, if it exists."""
    for name in ("chequebooks:allocation", "chequebooks:stock", "chequebooks:chequebook_list"):
        try:
            reverse(name)
            return name
        except NoReverseMatch:
            continue
    return None


def _url_exists(name, *args) -> bool:
    try:
        reverse(name, args=args)
        return True
    except NoReverseMatch:
        return False


@role_required(*COORDINATORS)
def radar_stock(request):
    filters = _filter(request).to_filters()
    qs = selectors.radar_stale_stock(filters)
    paginator = Paginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    table = StaleStockTable(page.object_list)
    action = _stock_action_url()
    return render(
        request,
        "reporting/radar_stock.html",
        {"table": table, "page": page, "days": settings.PASSNUM_RADAR_STOCK_DAYS,
         "action_url": reverse(action) if action else None,
         "detail_links": _url_exists("chequebooks:chequebook_detail", 1),
         "transfer_links": is_programme_manager(request.membership)
         and _url_exists("chequebooks:chequebook_transfer", 1),
         "filter": _filter(request), "query": request.GET.urlencode()},
    )  # fmt: skip


@role_required(*COORDINATORS)
def radar_not_started(request):
    filters = _filter(request).to_filters()
    rows = selectors.radar_not_started_by_front_desk(filters)
    run = selectors.last_summary_run()
    return render(
        request,
        "reporting/radar_front_desks.html",
        {"rows": rows, "topic": "not_started", "days": settings.PASSNUM_RADAR_NOT_STARTED_DAYS,
         "run": run,
         "title": "Chéquiers remis et jamais commencés",
         "filter": _filter(request), "query": request.GET.urlencode()},
    )  # fmt: skip


@role_required(*COORDINATORS)
def radar_expiring(request):
    filters = _filter(request).to_filters()
    expiry_days = sorted(settings.PASSNUM_RADAR_EXPIRY_DAYS)
    days = number_or_none(request.GET.get("jours", expiry_days[0]))
    if days is None or not 1 <= days <= 366:  # a window of at most a year (the radar's: 30, 60)
        raise Http404
    rows, programme_stock = selectors.radar_expiring_by_front_desk(filters, days=days)
    run = selectors.last_summary_run()
    action = _stock_action_url()
    return render(
        request,
        "reporting/radar_front_desks.html",
        {"rows": rows, "topic": "expiring", "days": days, "run": run,
         "programme_stock": programme_stock,
         "stock_url": reverse(action) if action else None,
         "title": f"Chèques qui expirent dans les {days} jours",
         "filter": _filter(request), "query": request.GET.urlencode()},
    )  # fmt: skip


@role_required(*COORDINATORS)
def radar_referrals(request):
    filters = _filter(request).to_filters()
    qs = selectors.radar_referrals_overdue(filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/radar_referrals.html",
        {"page": page, "days": settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS,
         "filter": _filter(request), "query": request.GET.urlencode()},
    )  # fmt: skip


@require_POST
@role_required(*COORDINATORS)
def referral_remind(request, pk):
    overdue = selectors.radar_referrals_overdue(
        selectors.Filters(scope_epci_id=selectors.scope_epci_id(request.membership))
    )
    referral = get_object_or_404(overdue.select_related(None), pk=pk)
    try:
        services.referral_remind(referral=referral, membership=request.membership)
        messages.success(request, f"Relance envoyée au médiateur de l'orientation n° {pk}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_safe_next(request) or "reporting:radar_referrals")


@role_required(*COORDINATORS)
def radar_missed_appointments(request):
    """Missed appointments not rebooked: the desk to call (it rebooks), or remind the person."""
    filters = _filter(request).to_filters()
    qs = selectors.radar_missed_appointments(filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/radar_missed_appointments.html",
        {"page": page, "days": settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS,
         "filter": _filter(request), "query": request.GET.urlencode()},
    )  # fmt: skip


@require_POST
@role_required(*COORDINATORS)
def appointment_remind_person(request, pk):
    """ "Relancer la personne": a reminder of a missed appointment on the radar."""
    missed = selectors.radar_missed_appointments(
        selectors.Filters(scope_epci_id=selectors.scope_epci_id(request.membership))
    )
    appointment = get_object_or_404(missed, pk=pk)
    try:
        orientation_services.appointment_remind_person(
            appointment=appointment, membership=request.membership
        )
        messages.success(request, "Rappel envoyé à la personne.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_safe_next(request) or "reporting:radar_missed_appointments")


@require_POST
@role_required(*COORDINATORS)
def front_desk_remind(request, pk):
    desks = Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK)
    epci = selectors.scope_epci_id(request.membership)
    if epci:
        desks = desks.filter(epci_id=epci)
    desk = get_object_or_404(desks, pk=pk)
    count = number_or_none(request.POST.get("count")) or 0
    try:
        services.front_desk_remind(
            organisation=desk, membership=request.membership,
            topic=request.POST.get("topic", ""), count=count,
        )  # fmt: skip
        messages.success(request, f"Relance envoyée à l'accueil « {desk.name} ».")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_safe_next(request) or "reporting:dashboard")


# --- Reports ----------------------------------------------------------------------------------


@role_required(*FIGURE_READERS)
def report_list(request):
    """The reports one may read; coordinators also ask for one here (a State observer reads
    only: its POST is refused)."""
    if not is_coordinating(request.membership):
        if request.method != "GET":
            raise Http404("Page introuvable")
        form = None
    else:
        form = ReportForm(request.POST or None)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(
                membership=request.membership,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
            messages.success(
                request,
                f"Rapport du {report.period_start:%d/%m/%Y} au {report.period_end:%d/%m/%Y} "
                "demandé : il apparaît dans la liste ci-dessous dès qu'il est prêt.",
            )
            return redirect("reporting:reports")
        except ValidationError as exc:
            form_add_service_errors(form, exc)
    reports = selectors.reports_visible_to(request.membership).select_related("created_by", "epci")[
        :50
    ]
    # The page waits for the latest report the worker is producing, then reloads itself.
    pending = next((r for r in reports if r.status in UNFINISHED_REPORT), None)
    return render(
        request, "reporting/reports.html", {"form": form, "reports": reports, "pending": pending}
    )


UNFINISHED_REPORT = (Report.Status.PENDING, Report.Status.RUNNING)


@require_safe  # a download is a read: the journal records it, once, for a GET
@role_required(*FIGURE_READERS)
def report_download(request, pk):
    report = get_object_or_404(selectors.reports_visible_to(request.membership), pk=pk)
    if not report.file:
        raise Http404
    if request.method == "HEAD":  # the waiting page asks whether it is ready: not a download
        return HttpResponse(content_type="application/pdf")
    services.report_downloaded(report=report, membership=request.membership)
    return FileResponse(
        report.file.open("rb"), as_attachment=True, filename=f"passnum-rapport-{report.pk}.pdf",
        content_type="application/pdf",
    )  # fmt: skip


@require_safe
@role_required(*FIGURE_READERS)
def report_state_download(request, pk, fmt):
    """The State version of a whole-programme report: its PDF (rendered with the report) or
    its figures as XLSX (the one safe writer, ``table_response``, from the tallies as last
    rebuilt).
    Journaled as a download of the report."""
    report = get_object_or_404(
        selectors.reports_visible_to(request.membership).filter(epci=None), pk=pk
    )
    if not report.file or fmt not in ("pdf", "xlsx"):
        raise Http404
    if fmt == "pdf":
        name = services.state_report_name(report)
        if not default_storage.exists(name):
            raise Http404
        services.report_downloaded(report=report, membership=request.membership)
        return FileResponse(
            default_storage.open(name, "rb"), as_attachment=True,
            filename=f"passnum-rapport-{report.pk}-etat.pdf", content_type="application/pdf",
        )  # fmt: skip
    table = StateReportTable(services.state_report_figures(report))
    services.report_downloaded(report=report, membership=request.membership)
    run = selectors.last_summary_run()
    return table_response(
        table, fmt="xlsx", filename=f"passnum-rapport-{report.pk}-etat-{_frozen_stamp(run)}.xlsx"
    )


# --- Exports in Celery ------------------------------------------------------------------------


@require_POST
@role_required(*COORDINATORS)
def export_create(request):
    form = ExportForm(request.POST)
    filters = _filter(request).to_filters() if request.GET else selectors.Filters()
    if not form.is_valid():
        messages.error(request, "Choisissez un format d'export.")
        return redirect("reporting:dashboard")
    try:
        job = services.export_request(
            membership=request.membership, kind="chequebooks", format=form.cleaned_data["format"],
            params={"vintage_id": filters.vintage_id, "side": filters.side,
                    "epci_id": filters.epci_id, "organisation_id": filters.organisation_id,
                    "period_start": _iso(filters.period_start),
                    "period_end": _iso(filters.period_end)},
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:dashboard")
    return redirect("reporting:export", pk=job.pk)


def _iso(day):
    return day.isoformat() if day else None


@role_required(*COORDINATORS)
def export_detail(request, pk):
    job = get_object_or_404(selectors.export_jobs_visible_to(request.membership), pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"status": job.status, "status_label": job.get_status_display(),
             "progress": job.progress, "rows": job.row_count,
             "done": job.status == ExportJob.Status.DONE}
        )  # fmt: skip
    return render(request, "reporting/export.html", {"job": job})


@role_required(*COORDINATORS)
def export_download(request, pk):
    job = get_object_or_404(selectors.export_jobs_visible_to(request.membership), pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    services.export_downloaded(job=job, membership=request.membership)
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=f"passnum-cheques-{job.pk}.{job.format}"
    )
