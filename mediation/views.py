"""Mediation pages: thin views that parse, call a service or a selector, and render."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from passnum.audit.selectors import journal_for_object
from passnum.core.exports import FORMATS as EXPORT_FORMATS
from passnum.core.exports import file_response, table_response
from passnum.core.forms import form_add_service_errors
from passnum.core.money import format_cents
from passnum.core.numbers import number_or_none
from passnum.core.text import french_count
from passnum.directory import availability
from passnum.directory import selectors as directory_selectors
from passnum.directory import services as directory
from passnum.organisations.models import OrganisationKind, Role
from passnum.organisations.permissions import MANAGERS, MEDIATION, get_scoped_or_404, role_required
from passnum.organisations.roles import is_programme_manager

from . import journal, opendata, selectors, services
from .filters import MediatorFilter
from .forms import (
    ActivityForm,
    ActivityProgressForm,
    AgreementActivateForm,
    AgreementForm,
    ChequeCheckForm,
    MediatorInviteForm,
    PlaceAppointmentsForm,
    PlaceClosureForm,
    PlaceForm,
    PlaceSlotForm,
    ProfileForm,
    QualificationForm,
    ReasonForm,
    RedemptionForm,
    StatementPayForm,
    StatementProduceForm,
    redemption_lines_check,
)
from .models import StatementStatus, Theme
from .tables import MediatorTable

MEDIATOR_KINDS = (OrganisationKind.MEDIATOR,)
MIXED_KINDS = (OrganisationKind.MEDIATOR, OrganisationKind.OWNER)


# --- Redemption -------------------------------------------------------------------------------


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def redeem(request):
    """The redemption page: one form, many cheque lines, scanner-friendly. Opened from a
    referral (``?orientation=<pk>``), it starts with that referral, its place and the themes
    of its suggested services. A form refused for its activity part still answers every
    cheque (forms.redemption_lines_check), and the error summary lists both."""
    membership = request.membership
    referrals = selectors.referrals_open_for(membership)
    places = selectors.places_visible_to(membership).filter(is_active=True)
    form_kwargs = {"referrals": referrals, "places": places}
    result = None
    checked = {}
    if request.method == "POST":
        form = RedemptionForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.redemption_submit(
                    membership=membership,
                    token=data["token"],
                    lines=form.lines(),
                    kind=data["kind"],
                    date=data["date"],
                    duration_minutes=data["duration_minutes"],
                    themes=data["themes"],
                    referral=data["referral"],
                    place=data["place"],
                    notes=data["notes"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                if result.ok:
                    messages.success(request, _redeemed_message(result))
                    return redirect("mediation:activity_detail", pk=result.activity.pk)
                # Refused: the person corrects the lines and resubmits with a new token.
                post = request.POST.copy()
                post["token"] = RedemptionForm(**form_kwargs).initial["token"]
                form = RedemptionForm(post, **form_kwargs)
                form.is_valid()
        if result is None and form.activity_refused():
            checked = redemption_lines_check(form=form, membership=membership)
    else:
        initial = {}
        if "orientation" in request.GET:
            pk = request.GET["orientation"]
            if not pk.isdigit():
                raise Http404("Page introuvable")
            referral = get_scoped_or_404(referrals.select_related("assessment"), pk=pk)
            initial = {
                "referral": referral.pk,
                "themes": selectors.referral_default_themes(referral),
            }
            if places.filter(pk=referral.place_id).exists():
                initial["place"] = referral.place_id
        form = RedemptionForm(initial=initial, **form_kwargs)
    # Shown before anything is typed; on a refused POST the answers already say it.
    refusal = None
    if result is None:
        refusal = services.mediator_redemption_refusal(
            request.organisation, day=timezone.localdate()
        )
    answers = {}
    if result is not None:
        for answer in result.answers:
            answers[answer.typed] = answer
    lines = []
    refused_lines = []
    for i, number, code in form.line_fields():
        typed = (number.value() or "").strip()
        answer = checked.get(i) or answers.get(typed)
        lines.append({"index": i, "number": number, "code": code, "answer": answer})
        if answer is not None and answer.reason:
            refused_lines.append(
                (number.id_for_label, f"Chèque {answer.typed} (ligne {i})", answer.message)
            )
    return render(
        request,
        "mediation/redeem.html",
        {
            "form": form,
            "lines": lines,
            "refused_lines": refused_lines,
            "result": result,
            "checked": bool(checked),
            "refusal": refusal,
            "refusal_message": services.Reason.MESSAGES.get(refusal) if refusal else "",
        },
    )


def _redeemed_message(result) -> str:
    """« 2 chèques encaissés (19,20 € nets). » (or a replayed submission's)."""
    count = french_count(len(result.redemptions), "chèque encaissé", "chèques encaissés")
    if result.replayed:
        return f"Cette saisie était déjà enregistrée : {count}."
    return f"Encaissement enregistré : {count} ({format_cents(result.net_cents)} nets)."


# --- Activities -------------------------------------------------------------------------------


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def activity_list(request):
    activities = (
        selectors.activities_visible_to(request.membership)
        .select_related("place", "referral")
        .prefetch_related("participants", "redemptions")
        .order_by("-date", "-id")[:200]
    )
    return render(request, "mediation/activity_list.html", {"activities": activities})


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def activity_detail(request, pk):
    activity = get_scoped_or_404(
        selectors.activities_visible_to(request.membership).select_related("place", "referral"),
        pk=pk,
    )
    redemptions = activity.redemptions.select_related("cheque", "beneficiary").order_by(
        "cheque__number"
    )
    progress_form = ActivityProgressForm(
        request.POST or None,
        initial={"progress_level": activity.progress_level, "next_step": activity.next_step},
    )
    if request.method == "POST" and progress_form.is_valid():
        try:
            services.activity_progress_record(
                activity=activity, membership=request.membership, **progress_form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(progress_form, exc)
        else:
            messages.success(request, "Progrès de la séance enregistré.")
            return redirect("mediation:activity_detail", pk=activity.pk)
    return render(
        request,
        "mediation/activity_detail.html",
        {
            "activity": activity,
            "redemptions": redemptions,
            "participants": activity.participants.all(),
            "theme_labels": [Theme(t).label for t in activity.themes if t in Theme.values],
            "net_cents": sum(r.mediator_net_cents for r in redemptions),
            "history": selectors.activity_history(activity),
            "progress_form": progress_form,
        },
    )


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def activity_create(request):
    membership = request.membership
    kwargs = {
        "referrals": selectors.referrals_open_for(membership),
        "places": selectors.places_visible_to(membership).filter(is_active=True),
        "participants": selectors.participants_open_for(membership),
    }
    form = ActivityForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                activity = services.activity_record(
                    membership=membership,
                    kind=data["kind"],
                    date=data["date"],
                    duration_minutes=data["duration_minutes"],
                    themes=data["themes"],
                    participants=list(data["participants"]),
                    referral=data["referral"],
                    place=data["place"],
                    notes=data["notes"],
                )
                if data["progress_level"] or data["next_step"]:
                    services.activity_progress_record(
                        activity=activity,
                        membership=membership,
                        progress_level=data["progress_level"],
                        next_step=data["next_step"],
                    )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Activité enregistrée.")
            return redirect("mediation:activity_detail", pk=activity.pk)
    return render(request, "mediation/activity_form.html", {"form": form})


# --- Statements -------------------------------------------------------------------------------


@role_required(*MEDIATION, *MANAGERS, kinds=MIXED_KINDS)
def statement_list(request):
    membership = request.membership
    statements = selectors.statements_visible_to(membership).select_related("mediator")
    status = request.GET.get("statut")
    if status in StatementStatus.values:
        statements = statements.filter(status=status)
    is_manager = is_programme_manager(membership)
    return render(
        request,
        "mediation/statement_list.html",
        {
            "statements": statements[:300],
            "is_manager": is_manager,
            "produce_form": StatementProduceForm() if is_manager else None,
            "held_from_export": services.statements_held_from_accounting(
                selectors.statements_to_export()
            )
            if is_manager
            else [],
            "statuses": StatementStatus.choices,
            "status": status,
        },
    )


def _statement_get(request, pk):
    return get_scoped_or_404(
        selectors.statements_visible_to(request.membership).select_related(
            "mediator__mediator_profile", "validated_by"
        ),
        pk=pk,
    )


def _statement_render(request, statement, *, pay_form=None, step_form=None):
    lines = statement.redemptions.select_related("cheque", "activity").order_by(
        "redeemed_at", "cheque__number"
    )
    return render(
        request,
        "mediation/statement_detail.html",
        {
            "statement": statement,
            "next_step": services.statement_next_step(statement),
            "lines": lines,
            "is_manager": is_programme_manager(request.membership),
            "pay_form": pay_form or StatementPayForm(initial={"paid_at": timezone.localdate()}),
            "step_form": step_form,
            "iban_mismatch": services.statement_iban_mismatch(statement)
            if is_programme_manager(request.membership)
            else None,
            "history": journal_for_object(statement),
        },
    )


@role_required(*MEDIATION, *MANAGERS, kinds=MIXED_KINDS)
def statement_detail(request, pk):
    return _statement_render(request, _statement_get(request, pk))


@role_required(*MEDIATION, *MANAGERS, kinds=MIXED_KINDS)
def statement_pdf(request, pk):
    """The stored PDF, byte for byte: rendered once at issue, never again."""
    statement = get_scoped_or_404(selectors.statements_visible_to(request.membership), pk=pk)
    if not statement.file:
        raise Http404("Fichier introuvable")
    return FileResponse(
        statement.file.open("rb"),
        as_attachment=True,
        filename=f"releve-{statement.number}.pdf",
        content_type="application/pdf",
    )


@role_required(*MANAGERS)
@require_POST
def statements_produce(request):
    form = StatementProduceForm(request.POST)
    if form.is_valid():
        run = services.statements_issue_for_month(
            period_start=form.period_start(), membership=request.membership
        )
        if run.issued:
            messages.success(
                request, french_count(len(run.issued), "relevé produit", "relevés produits") + "."
            )
        elif not run.held:
            messages.info(request, "Aucun encaissement à mettre sur un relevé pour cette période.")
        if run.held:
            messages.warning(
                request,
                "Relevé non émis, coordonnées bancaires à revalider : "
                + ", ".join(run.held)
                + ". Leurs encaissements attendent le relevé suivant, après revalidation.",
            )
    return redirect("mediation:statement_list")


@role_required(*MANAGERS)
@require_POST
def statement_action(request, pk, action):
    """Validate, send or pay; a refusal is shown on the page, next to the step's form."""
    statement = _statement_get(request, pk)
    if action not in ("valider", "envoyer", "payer"):
        raise Http404("Action inconnue")
    if action == "payer":
        form = StatementPayForm(request.POST)
        if not form.is_valid():
            return _statement_render(request, statement, pay_form=form)
    else:
        form = forms.Form({})  # no field: it only carries the service's refusal to the page
        form.full_clean()
    try:
        if action == "valider":
            services.statement_validate(statement=statement, membership=request.membership)
            messages.success(request, "Relevé validé.")
        elif action == "envoyer":
            services.statement_send(statement=statement, membership=request.membership)
            messages.success(request, "Relevé envoyé en paiement.")
        else:
            services.statement_pay(
                statement=statement,
                membership=request.membership,
                paid_at=form.cleaned_data["paid_at"],
                reference=form.cleaned_data["reference"],
            )
            messages.success(request, "Paiement enregistré.")
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        if action == "payer":
            return _statement_render(request, statement, pay_form=form)
        return _statement_render(request, statement, step_form=form)
    return redirect("mediation:statement_detail", pk=pk)


@role_required(*MANAGERS)
def statements_accounting_export(request):
    """The accounting CSV of the validated statements. The statements of mediators whose bank
    details await re-validation are left out: the list page names them next to the button;
    when nothing is left to export, the page says why instead of an empty file."""
    try:
        export = services.statements_accounting_csv(
            statements=selectors.statements_to_export(), membership=request.membership
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("mediation:statement_list")
    if export.held and not export.rows:
        messages.error(
            request,
            "Aucun relevé à exporter : coordonnées bancaires à revalider pour "
            + ", ".join(export.held)
            + ".",
        )
        return redirect("mediation:statement_list")
    stamp = timezone.localdate().isoformat()
    return file_response(
        ("\ufeff" + export.content).encode("utf-8"),
        fmt="csv",
        filename=f"releves-valides-{stamp}.csv",
    )


# --- The mediator's organisation: profile and places ------------------------------------------


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def organisation_profile(request):
    organisation = request.organisation
    profile = directory.mediator_profile_for(organisation)
    return render(
        request,
        "mediation/profile.html",
        {
            "profile": profile,
            "organisation": organisation,
            "places": organisation.places.select_related("commune").prefetch_related("services"),
            "agreements": selectors.agreements_visible_to(request.membership).select_related(
                "counterpart"
            ),
            "missing": directory.mediator_profile_missing(profile),
            "can_edit": directory.may_edit_mediator(request.membership, organisation),
            "history": journal_for_object(profile),
        },
    )


def _profile_edit(request, profile, *, next_url):
    form = ProfileForm(
        request.POST or None,
        instance=None,
        initial={
            **{f: getattr(profile, f) for f in ProfileForm.Meta.fields},
            "charter_accepted": bool(profile.charter_accepted_at),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in ProfileForm.Meta.fields}
        try:
            directory.mediator_profile_update(
                profile=profile,
                membership=request.membership,
                charter_accepted=form.cleaned_data["charter_accepted"],
                **data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Profil enregistré.")
            return redirect(next_url)
    return render(request, "mediation/profile_form.html", {"form": form, "profile": profile})


@role_required(Role.ORG_ADMIN, kinds=MEDIATOR_KINDS)
def profile_edit(request):
    profile = directory.mediator_profile_for(request.organisation)
    return _profile_edit(request, profile, next_url=reverse("mediation:profile"))


def _place_edit(request, organisation, place, *, next_url):
    form = PlaceForm(request.POST or None, instance=place)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "services"}
        try:
            directory.place_save(
                organisation=organisation,
                membership=request.membership,
                place=place,
                services=form.cleaned_data["services"],
                **data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Lieu enregistré.")
            return redirect(next_url)
    return render(
        request,
        "mediation/place_form.html",
        {"form": form, "place": place, "organisation": organisation},
    )


@role_required(Role.ORG_ADMIN, kinds=MEDIATOR_KINDS)
def place_create(request):
    return _place_edit(request, request.organisation, None, next_url=reverse("mediation:profile"))


@role_required(Role.ORG_ADMIN, kinds=MEDIATOR_KINDS)
def place_edit(request, pk):
    place = get_scoped_or_404(selectors.places_visible_to(request.membership), pk=pk)
    return _place_edit(request, request.organisation, place, next_url=reverse("mediation:profile"))


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def cheque_check(request):
    """Check a cheque without redeeming it (whether it can be redeemed today, never whose)."""
    form = ChequeCheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.cheque_check(
                membership=request.membership,
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            form = ChequeCheckForm()
    return render(request, "mediation/cheque_check.html", {"form": form, "result": result})


def _posted_id(request) -> int:
    return number_or_none(request.POST.get("id")) or 0


@role_required(Role.ORG_ADMIN, kinds=MEDIATOR_KINDS)
def place_availability(request, pk):
    """A place's appointments: whether it takes them, its weekly slots and its closures."""
    place = get_scoped_or_404(selectors.places_visible_to(request.membership), pk=pk)
    toggle_form = PlaceAppointmentsForm(initial={"takes_appointments": place.takes_appointments})
    slot_form, closure_form = PlaceSlotForm(), PlaceClosureForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "toggle":
                toggle_form = PlaceAppointmentsForm(request.POST)
                if toggle_form.is_valid():
                    availability.place_appointments_set(
                        place=place, membership=request.membership, **toggle_form.cleaned_data
                    )
                    messages.success(request, "Enregistré.")
                    return redirect("mediation:place_availability", pk=place.pk)
            elif action == "add_slot":
                slot_form = PlaceSlotForm(request.POST)
                if slot_form.is_valid():
                    availability.place_slot_add(
                        place=place, membership=request.membership, **slot_form.cleaned_data
                    )
                    messages.success(request, "Créneau ajouté.")
                    return redirect("mediation:place_availability", pk=place.pk)
            elif action == "remove_slot":
                slot = get_scoped_or_404(place.slots.filter(is_active=True), pk=_posted_id(request))
                availability.place_slot_remove(slot=slot, membership=request.membership)
                messages.success(request, "Créneau retiré.")
                return redirect("mediation:place_availability", pk=place.pk)
            elif action == "add_closure":
                closure_form = PlaceClosureForm(request.POST)
                if closure_form.is_valid():
                    availability.place_closure_add(
                        place=place, membership=request.membership, **closure_form.cleaned_data
                    )
                    messages.success(request, "Fermeture enregistrée.")
                    return redirect("mediation:place_availability", pk=place.pk)
            elif action == "remove_closure":
                closure = get_scoped_or_404(place.closures.all(), pk=_posted_id(request))
                availability.place_closure_remove(closure=closure, membership=request.membership)
                messages.success(request, "Fermeture retirée.")
                return redirect("mediation:place_availability", pk=place.pk)
        except ValidationError as exc:
            target = {"add_slot": slot_form, "add_closure": closure_form}.get(action, toggle_form)
            form_add_service_errors(target, exc)
    return render(
        request,
        "mediation/place_availability.html",
        {
            "place": place,
            "toggle_form": toggle_form,
            "slot_form": slot_form,
            "closure_form": closure_form,
            "slots": place.slots.filter(is_active=True),
            "closures": place.closures.filter(end_date__gte=timezone.localdate()),
        },
    )


# --- Managers: mediators, qualification, agreements -------------------------------------------


@role_required(*MANAGERS)
def mediator_list(request):
    qs = selectors.mediators_with_figures()
    filterset = MediatorFilter(request.GET or None, queryset=qs)
    table = MediatorTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    export_format = request.GET.get("_export")
    if export_format in EXPORT_FORMATS:
        journal.MEDIATORS_EXPORTED.record(
            actor=request.user, organisation=request.organisation, format=export_format
        )
        return table_response(
            table, fmt=export_format, filename=f"mediateurs.{export_format}", exclude_columns=()
        )
    return render(request, "mediation/mediator_list.html", {"table": table, "filter": filterset})


@role_required(*MANAGERS)
def mediator_invite(request):
    form = MediatorInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation, token = directory.mediator_invite(
                name=data["name"],
                commune=data["commune"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                membership=request.membership,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            link = request.build_absolute_uri(reverse("accounts:invitation_accept", args=[token]))
            messages.success(
                request,
                f"Structure créée et invitation envoyée à {data['email']}. "
                f"Lien d'invitation : {link}",
            )
            return redirect("mediation:mediator_detail", pk=organisation.pk)
    return render(request, "mediation/mediator_invite.html", {"form": form})


@role_required(*MANAGERS)
def mediator_detail(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    return _mediator_render(request, organisation)


def _mediator_render(request, organisation, *, qualification_form=None):
    profile = directory.mediator_profile_for(organisation)
    return render(
        request,
        "mediation/mediator_detail.html",
        {
            "organisation": organisation,
            "profile": profile,
            "places": organisation.places.select_related("commune").prefetch_related("services"),
            "agreements": organisation.agreements.select_related("counterpart"),
            "statements": organisation.statements.all()[:24],
            "missing": directory.mediator_profile_missing(profile),
            "qualification_form": qualification_form or QualificationForm(),
            "agreement_form": AgreementForm(),
            "history": journal_for_object(profile),
            "bank_changes": directory_selectors.bank_details_changes_pending(profile),
        },
    )


@role_required(*MANAGERS)
def mediator_profile_edit(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    profile = directory.mediator_profile_for(organisation)
    return _profile_edit(request, profile, next_url=reverse("mediation:mediator_detail", args=[pk]))


@role_required(*MANAGERS)
@require_POST
def mediator_qualification(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    form = QualificationForm(request.POST)
    if not form.is_valid():
        return _mediator_render(request, organisation, qualification_form=form)
    try:
        directory.mediator_qualification_change(
            profile=directory.mediator_profile_for(organisation),
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            membership=request.membership,
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc, fallback_field="status")
        return _mediator_render(request, organisation, qualification_form=form)
    messages.success(request, "Qualification mise à jour.")
    return redirect("mediation:mediator_detail", pk=pk)


@role_required(*MANAGERS)
@require_POST
def mediator_bank_details_confirm(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    try:
        directory.mediator_bank_details_confirm(
            profile=directory.mediator_profile_for(organisation), membership=request.membership
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Coordonnées bancaires revalidées.")
    return redirect("mediation:mediator_detail", pk=pk)


@role_required(*MANAGERS)
def agreement_list(request):
    agreements = selectors.agreements_visible_to(request.membership).select_related(
        "mediator", "counterpart"
    )
    return render(request, "mediation/agreement_list.html", {"agreements": agreements})


@role_required(*MANAGERS)
def agreement_create(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(
                mediator=organisation, membership=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Convention créée : téléchargez-la pour signature.")
            return redirect("mediation:agreement_detail", pk=agreement.pk)
    return render(
        request, "mediation/agreement_form.html", {"form": form, "organisation": organisation}
    )


def _agreement_get(request, pk):
    return get_scoped_or_404(
        selectors.agreements_visible_to(request.membership).select_related(
            "mediator", "counterpart"
        ),
        pk=pk,
    )


@role_required(*MANAGERS, *MEDIATION, kinds=MIXED_KINDS)
def agreement_detail(request, pk):
    return _agreement_render(request, _agreement_get(request, pk))


def _agreement_render(request, agreement, *, activate_form=None, terminate_form=None):
    return render(
        request,
        "mediation/agreement_detail.html",
        {
            "agreement": agreement,
            "next_steps": services.agreement_next_steps(agreement),
            "is_manager": is_programme_manager(request.membership),
            "activate_form": activate_form
            or AgreementActivateForm(initial={"signed_at": timezone.localdate()}),
            "terminate_form": terminate_form or ReasonForm(),
            "history": journal_for_object(agreement),
        },
    )


@role_required(*MANAGERS, *MEDIATION, kinds=MIXED_KINDS)
def agreement_pdf(request, pk):
    agreement = get_scoped_or_404(selectors.agreements_visible_to(request.membership), pk=pk)
    if not agreement.file:
        raise Http404("Fichier introuvable")
    return FileResponse(
        agreement.file.open("rb"),
        as_attachment=True,
        filename=f"convention-{agreement.pk}.pdf",
        content_type="application/pdf",
    )


@role_required(*MANAGERS)
@require_POST
def agreement_action(request, pk, action):
    """Record the signature or terminate; a refusal is shown next to the form's field."""
    agreement = _agreement_get(request, pk)
    if action == "activer":
        form, field, key = AgreementActivateForm(request.POST), "signed_at", "activate_form"
    elif action == "resilier":
        form, field, key = ReasonForm(request.POST), "reason", "terminate_form"
    else:
        raise Http404("Action inconnue")
    if form.is_valid():
        try:
            if action == "activer":
                services.agreement_activate(
                    agreement=agreement,
                    membership=request.membership,
                    signed_at=form.cleaned_data["signed_at"],
                )
                messages.success(request, "Convention en vigueur.")
            else:
                services.agreement_terminate(
                    agreement=agreement,
                    membership=request.membership,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, "Convention résiliée.")
            return redirect("mediation:agreement_detail", pk=pk)
        except ValidationError as exc:
            form_add_service_errors(form, exc, fallback_field=field)
    return _agreement_render(request, agreement, **{key: form})


@role_required(*MANAGERS)
def mediator_place_create(request, pk):
    organisation = get_scoped_or_404(selectors.mediators_visible_to(request.membership), pk=pk)
    return _place_edit(
        request, organisation, None, next_url=reverse("mediation:mediator_detail", args=[pk])
    )


# --- Open data (public: places are public information, no personal data) ----------------------


def places_open_data(request, fmt):
    if fmt == "csv":
        return file_response(
            opendata.places_csv().encode("utf-8"),
            fmt="csv",
            filename="lieux-mediation-numerique-aveyron.csv",
        )
    if fmt == "json":
        return HttpResponse(opendata.places_json(), content_type="application/json; charset=utf-8")
    raise Http404("Format inconnu")
