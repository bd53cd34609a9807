"""Cheque stock pages: thin views that parse, call a service or a selector, and render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from passnum.audit.selectors import journal_for_object
from passnum.core.exports import table_response
from passnum.core.forms import form_add_service_errors
from passnum.core.numbers import number_or_none
from passnum.organisations.models import OrganisationKind
from passnum.organisations.permissions import (
    COORDINATORS,
    FIGURE_READERS,
    FRONT_DESK,
    MANAGERS,
    role_required,
)
from passnum.organisations.roles import is_programme_manager
from passnum.programme.models import Vintage
from passnum.programme.vintages import (
    vintage_has_ended,
    vintage_is_frozen,
)

from . import selectors, services
from .filters import ChequebookFilter
from .forms import (
    AllocationForm,
    CancelForm,
    ExceptionForm,
    HandOverForm,
    ImportForm,
    LookupForm,
    PrintRunForm,
    ReceiptForm,
    TransferForm,
)
from .models import ChequebookState, PrintRun
from .states import CANCELLABLE_CHEQUE_STATES
from .tables import ChequebookTable, DeskStockTable, EnvelopeStockTable, PrintRunTable

ALL_STOCK_ROLES = (*COORDINATORS, *FRONT_DESK)
FRONT_DESK_KINDS = (OrganisationKind.FRONT_DESK,)
#: Mediators' administrators share the org_admin role: they have no cheque stock pages.
STOCK_KINDS = (OrganisationKind.OWNER, OrganisationKind.EPCI, OrganisationKind.FRONT_DESK)


def _export_or_none(request, table, name):
    fmt = request.GET.get("_export")
    return table_response(table, fmt=fmt, filename=f"{name}.{fmt}")


# --- Lists ------------------------------------------------------------------------------------


@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def chequebook_list(request):
    """Every chequebook the person may see, filtered, sorted, paginated, exportable."""
    qs = selectors.chequebooks_visible_to(request.membership).select_related(
        "vintage", "envelope__epci", "holder"
    )
    filterset = ChequebookFilter(request.GET or None, queryset=qs)
    table = ChequebookTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    response = _export_or_none(request, table, "chequiers")
    if response:
        return response
    return render(
        request, "chequebooks/chequebook_list.html", {"filter": filterset, "table": table}
    )


@role_required(*COORDINATORS)
def stock_overview(request):
    """Stock by envelope and by front desk (managers: all; EPCI coordinators: their EPCI)."""
    vintages = list(Vintage.objects.all())
    vintage = None
    if request.GET.get("vintage"):
        vintage = next((v for v in vintages if str(v.pk) == request.GET["vintage"]), None)
    envelopes = EnvelopeStockTable(
        selectors.stock_by_envelope(request.membership, vintage=vintage), prefix="env-"
    )
    RequestConfig(request, paginate=False).configure(envelopes)
    desks = selectors.stock_by_organisation(request.membership, vintage=vintage)
    table = DeskStockTable(desks, order_by="-held")
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    if request.GET.get("_table") == "enveloppes":
        response = _export_or_none(request, envelopes, "stock-par-enveloppe")
    else:
        response = _export_or_none(request, table, "stock-par-accueil")
    if response:
        return response
    return render(
        request,
        "chequebooks/stock_overview.html",
        {
            "envelopes": envelopes,
            "table": table,
            "vintages": vintages,
            "vintage": vintage,
            "vintage_ended": vintage is not None and vintage_has_ended(vintage),
        },
    )


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def desk_stock(request):
    """A front desk's stock: chequebooks to confirm, chequebooks in hand, handed out."""
    org = request.organisation
    awaiting = selectors.chequebooks_awaiting_receipt(org).select_related("vintage")
    form = ReceiptForm(request.POST or None, queryset=awaiting)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.chequebooks_receipt_confirm(
                chequebooks=form.cleaned_data["chequebooks"], membership=request.membership
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Réception confirmée pour {n} chéquier{'s' if n > 1 else ''}."
            )
            return redirect("chequebooks:desk_stock")
    held = selectors.desk_stock(org).select_related("vintage", "envelope__epci", "holder")
    # An ended vintage's chequebooks are not stock any more: listed apart, to give back.
    table = ChequebookTable(
        held.order_by("vintage__year", "number"), exclude=("holder", "handed_out_at")
    )
    table.caption = "Chéquiers en main (millésimes en cours)"
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    response = _export_or_none(request, table, "stock-accueil")
    if response:
        return response
    ended = list(
        selectors.desk_ended_stock(org)
        .select_related("vintage", "envelope__epci", "holder")
        .order_by("vintage__year", "number")
    )
    candidates = services.chequebook_handover_candidates(membership=request.membership).count()
    return render(
        request,
        "chequebooks/desk_stock.html",
        {
            "form": form,
            "awaiting": awaiting,
            "table": table,
            "ended": ended,
            "candidates": candidates,
        },
    )


# --- Chequebook page and actions -------------------------------------------------------------


def _visible_chequebook(request, pk):
    return get_object_or_404(
        selectors.chequebooks_visible_to(request.membership).select_related(
            "vintage",
            "envelope__epci",
            "holder",
            "beneficiary",
            "handed_out_by",
            "handed_out_by_organisation",
            "replaces",
            "print_run",
            "import_batch",
        ),
        pk=pk,
    )


@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def chequebook_detail(request, pk):
    chequebook = _visible_chequebook(request, pk)
    cheques = list(chequebook.cheques.order_by("position"))
    movements = selectors.chequebook_movements(chequebook)
    context = {
        "chequebook": chequebook,
        "cheques": cheques,
        "movements": movements,
        "history": journal_for_object(chequebook),
        "actions": services.chequebook_actions(chequebook, request.membership),
        "cancellable_cheque_states": CANCELLABLE_CHEQUE_STATES,
    }
    return render(request, "chequebooks/chequebook_detail.html", context)


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def chequebook_hand_over_view(request, pk):
    """Hand a chequebook of this desk's stock to one of the desk's people."""
    chequebook = get_object_or_404(
        services.chequebook_handover_candidates(membership=request.membership), pk=pk
    )
    replaces = None
    if request.GET.get("remplace"):
        replaces = get_object_or_404(
            selectors.chequebooks_visible_to(request.membership).filter(
                state=ChequebookState.CANCELLED
            ),
            pk=number_or_none(request.GET["remplace"]),
        )
    people = selectors.beneficiaries_of_front_desk(request.organisation).filter(
        anonymised_at__isnull=True, target_public__side=request.organisation.side
    )
    if replaces is not None:
        people = people.filter(pk=replaces.beneficiary_id)
    form = HandOverForm(request.POST or None, queryset=people.order_by("last_name", "first_name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.chequebook_hand_over(
                chequebook=chequebook,
                beneficiary=form.cleaned_data["beneficiary"],
                membership=request.membership,
                replaces=replaces,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Chéquier n° {chequebook.number} remis. Imprimez l'attestation de remise pour "
                "la personne.",
            )
            return redirect("chequebooks:chequebook_detail", pk=chequebook.pk)
    return render(
        request,
        "chequebooks/hand_over.html",
        {"chequebook": chequebook, "form": form, "replaces": replaces},
    )


@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def chequebook_cancel_view(request, pk):
    chequebook = _visible_chequebook(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chequebook_cancel(
                chequebook=chequebook,
                reason=form.cleaned_data["reason"],
                membership=request.membership,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Opposition enregistrée sur le chéquier n° {chequebook.number}."
            )
            return redirect("chequebooks:chequebook_detail", pk=chequebook.pk)
    return render(
        request, "chequebooks/cancel.html", {"chequebook": chequebook, "cheque": None, "form": form}
    )


@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def cheque_cancel_view(request, pk):
    cheque = get_object_or_404(
        selectors.cheques_visible_to(request.membership).select_related("chequebook"), pk=pk
    )
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cheque_cancel(
                cheque=cheque, reason=form.cleaned_data["reason"], membership=request.membership
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Opposition enregistrée sur le chèque n° {cheque.number}.")
            return redirect("chequebooks:chequebook_detail", pk=cheque.chequebook_id)
    return render(
        request,
        "chequebooks/cancel.html",
        {"chequebook": cheque.chequebook, "cheque": cheque, "form": form},
    )


@require_POST
@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def chequebook_return_view(request, pk):
    chequebook = _visible_chequebook(request, pk)
    try:
        services.chequebook_return_to_stock(chequebook=chequebook, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Le chéquier n° {chequebook.number} est revenu en stock.")
    return redirect("chequebooks:chequebook_detail", pk=chequebook.pk)


@role_required(*MANAGERS)
def chequebook_transfer_view(request, pk):
    chequebook = _visible_chequebook(request, pk)
    desks = selectors.front_desks_served_by(chequebook.envelope).exclude(pk=chequebook.holder_id)
    form = TransferForm(request.POST or None, queryset=desks)
    if request.method == "POST" and form.is_valid():
        try:
            services.chequebook_transfer(
                chequebook=chequebook,
                to_front_desk=form.cleaned_data["to_front_desk"],
                membership=request.membership,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Chéquier n° {chequebook.number} transféré.")
            return redirect("chequebooks:chequebook_detail", pk=chequebook.pk)
    return render(request, "chequebooks/transfer.html", {"chequebook": chequebook, "form": form})


@role_required(*MANAGERS, *FRONT_DESK, kinds=STOCK_KINDS)
def chequebook_receipt_pdf_view(request, pk):
    chequebook = _visible_chequebook(request, pk)
    try:
        pdf = services.chequebook_receipt_pdf(chequebook=chequebook, membership=request.membership)
    except ValidationError as exc:
        # Not handed out, or not by this desk (``chequebook_receipt_allowed``).
        raise Http404("Page introuvable") from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="attestation-remise-{chequebook.number}.pdf"'
    )
    return response


@role_required(*MANAGERS)
def exception_grant_view(request, pk):
    """A manager grants one more chequebook to the person who holds this chequebook."""
    chequebook = _visible_chequebook(request, pk)
    if not chequebook.beneficiary_id:
        raise Http404("Page introuvable")
    form = ExceptionForm(request.POST or None, initial={"vintage": chequebook.vintage})
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_exception_grant(
                beneficiary=chequebook.beneficiary,
                vintage=form.cleaned_data["vintage"],
                reason=form.cleaned_data["reason"],
                membership=request.membership,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, "Dérogation accordée : un chéquier de plus pourra être remis."
            )
            return redirect("chequebooks:chequebook_detail", pk=chequebook.pk)
    return render(request, "chequebooks/exception.html", {"chequebook": chequebook, "form": form})


@role_required(*ALL_STOCK_ROLES, kinds=STOCK_KINDS)
def lookup(request):
    """Find a cheque (or a chequebook) by its number, within what the person may see."""
    form = LookupForm(request.GET or None)
    cheque = chequebook = None
    searched = False
    if form.is_valid():
        searched = True
        number = form.cleaned_data["number"]
        cheque = (
            selectors.cheques_visible_to(request.membership)
            .select_related("chequebook__vintage", "chequebook__holder")
            .filter(number=number)
            .first()
        )
        if cheque is None:
            chequebook = (
                selectors.chequebooks_visible_to(request.membership).filter(number=number).first()
            )
    return render(
        request,
        "chequebooks/lookup.html",
        {"form": form, "cheque": cheque, "chequebook": chequebook, "searched": searched},
    )


# --- Print runs, imports, allocation ----------------------------------------------------------


@role_required(*MANAGERS)
def print_run_list(request):
    table = PrintRunTable(
        selectors.print_runs_visible_to(request.membership).select_related(
            "vintage", "envelope__epci", "created_by"
        )
    )
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    response = _export_or_none(request, table, "impressions")
    if response:
        return response
    return render(request, "chequebooks/print_run_list.html", {"table": table})


@role_required(*MANAGERS)
def print_run_new(request):
    form = PrintRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.print_run_create(membership=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Impression n° {run.pk} lancée : le fichier se prépare.")
            return redirect("chequebooks:print_run_detail", pk=run.pk)
    return render(request, "chequebooks/print_run_new.html", {"form": form})


@role_required(*MANAGERS)
def print_run_detail(request, pk):
    run = get_object_or_404(
        selectors.print_runs_visible_to(request.membership).select_related(
            "vintage", "envelope__epci", "created_by"
        ),
        pk=pk,
    )
    stalled = services.print_run_is_stalled(run)
    in_progress = run.status in (PrintRun.Status.PENDING, PrintRun.Status.RUNNING) and not stalled
    return render(
        request,
        "chequebooks/print_run_detail.html",
        {
            "run": run,
            "in_progress": in_progress,
            "can_relaunch": services.print_run_can_relaunch(run),
            "stalled": stalled,
            "stale_minutes": services.PRINT_RUN_STALE_MINUTES,
            "history": journal_for_object(run),
        },
    )


@require_POST
@role_required(*MANAGERS)
def print_run_relaunch_view(request, pk):
    run = get_object_or_404(selectors.print_runs_visible_to(request.membership), pk=pk)
    try:
        services.print_run_relaunch(print_run=run, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{run} relancée : le fichier se prépare.")
    return redirect("chequebooks:print_run_detail", pk=run.pk)


@role_required(*MANAGERS)
def print_run_progress(request, pk):
    """The progress of a print run, for the page's small polling script."""
    run = get_object_or_404(selectors.print_runs_visible_to(request.membership), pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "progress": run.progress,
            "stalled": services.print_run_is_stalled(run),
        }
    )


@role_required(*MANAGERS)
def print_run_download(request, pk):
    run = get_object_or_404(selectors.print_runs_visible_to(request.membership), pk=pk)
    if run.status != PrintRun.Status.DONE or not run.file:
        raise Http404("Fichier pas encore prêt")
    services.print_run_download_record(print_run=run, membership=request.membership)
    response = FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=f"impression-{run.pk}.pdf",
        content_type="application/pdf",
    )
    return response  # no-store, private: passnum.core.headers (every download)


@role_required(*MANAGERS)
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                rows_text=form.cleaned_data["text"],
                file_name=form.cleaned_data["file"].name,
                envelope=form.cleaned_data["envelope"],
                membership=request.membership,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the whole file refused: said next to it
                form_add_service_errors(form, exc)
            else:
                errors = exc.messages
                form.add_error(
                    None,
                    f"Rien n'a été importé : {len(errors)} ligne{'s' if len(errors) > 1 else ''} "
                    "à corriger (liste ci-dessous).",
                )
        else:
            messages.success(
                request,
                f"Import terminé : {batch.chequebook_count} chéquiers, "
                f"{batch.cheque_count} chèques.",
            )
            return redirect("chequebooks:chequebook_list")
    return render(
        request,
        "chequebooks/import.html",
        {"form": form, "errors": errors[:500], "error_count": len(errors)},
    )


@role_required(*MANAGERS)
def allocation_new(request):
    form = AllocationForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            books = services.chequebooks_allocate(membership=request.membership, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{len(books)} chéquiers attribués à {data['front_desk']} "
                f"(n° {books[0].number} à {books[-1].number}). L'accueil doit confirmer la "
                "réception.",
            )
            return redirect("chequebooks:stock")
    available = selectors.stock_by_envelope(request.membership)
    return render(request, "chequebooks/allocation.html", {"form": form, "available": available})


# --- Vintages: reconciliation and freeze -----------------------------------------------------


def _scope_label(request):
    """What the vintage figures cover (``selectors.envelopes_scope_label``)."""
    return selectors.envelopes_scope_label(request.membership)


@role_required(*FIGURE_READERS)
def vintage_list(request):
    """Every vintage with its figures (one grouped query), within the person's scope."""
    rows = [
        (v, figures, services.vintage_handover_label(v))
        for v, figures in selectors.vintages_reconciliation(
            Vintage.objects.order_by("-year"), request.membership
        )
    ]
    return render(
        request, "chequebooks/vintage_list.html", {"rows": rows, "scope": _scope_label(request)}
    )


@role_required(*FIGURE_READERS)
def vintage_reconciliation(request, year):
    vintage = get_object_or_404(Vintage, year=year)
    figures = selectors.vintage_reconciliation(vintage, request.membership)
    frozen, ended = vintage_is_frozen(vintage), vintage_has_ended(vintage)
    # The journal's entries on a vintage count the whole programme's cheques: shown to its
    # managers; a coordinator's page says only its EPCI's figures.
    history = journal_for_object(vintage) if is_programme_manager(request.membership) else None
    return render(
        request,
        "chequebooks/vintage_reconciliation.html",
        {
            "vintage": vintage,
            "figures": figures,
            "scope": _scope_label(request),
            "frozen": frozen,
            "ended": ended,
            "calendar": selectors.vintage_calendar(vintage),
            "history": history,
            "can_lift": services.vintage_freeze_may_be_lifted_by(vintage, request.membership),
        },
    )


@require_POST
@role_required(*MANAGERS)
def vintage_freeze_lift_view(request, year):
    vintage = get_object_or_404(Vintage, year=year)
    try:
        services.vintage_freeze_lift(vintage=vintage, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Le gel des remises du millésime {vintage.year} est levé.")
    return redirect("chequebooks:vintage_reconciliation", year=vintage.year)
