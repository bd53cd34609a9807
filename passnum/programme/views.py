from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django_tables2 import RequestConfig

from passnum.audit.selectors import journal_for_object
from passnum.core.forms import form_add_service_errors
from passnum.core.text import french_count
from passnum.organisations.forms import FrontDeskTypeForm
from passnum.organisations.models import FrontDeskType
from passnum.organisations.permissions import MANAGERS, role_required
from passnum.organisations.services import front_desk_type_save
from passnum.territory.models import Commune, Epci, Side

from . import services
from .filters import CommuneFilter
from .forms import (
    BudgetLineForm,
    EnvelopesForm,
    FundCallForm,
    FunderForm,
    FundPaymentForm,
    PartnersForm,
    ProgrammeForm,
    TargetPublicCreateForm,
    TargetPublicForm,
    VintageForm,
)
from .models import BudgetLine, Envelope, FundCall, Funder, FundPayment, TargetPublic, Vintage
from .selectors import (
    EPCI_ENVELOPE_TOTAL,
    budget_total_cents,
    funding_by_funder_year,
    programme_current,
    programme_overview,
)
from .tables import CommuneTable


def _programme():
    programme = programme_current()
    if programme is None:
        raise Http404("Aucun programme n'est chargé.")
    return programme


@role_required(*MANAGERS)
def overview(request):
    return render(request, "programme/overview.html", programme_overview(_programme()))


@role_required(*MANAGERS)
def programme_edit(request):
    programme = _programme()
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                programme=programme, membership=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Le programme est enregistré.")
            return redirect("programme:overview")
    return render(
        request,
        "programme/form.html",
        {"form": form, "title": "Modifier le programme", "back": "programme:overview"},
    )


@role_required(*MANAGERS)
def budget(request):
    programme = _programme()
    funders = (
        Funder.objects.filter(programme=programme)
        .prefetch_related("budget_lines")
        .annotate(total=Sum("budget_lines__amount_cents"))
    )
    return render(
        request,
        "programme/budget.html",
        {
            "programme": programme,
            "funders": funders,
            "budget_total": budget_total_cents(programme),
        },
    )


@role_required(*MANAGERS)
def funder_edit(request, pk):
    programme = _programme()
    funder = get_object_or_404(Funder.objects.filter(programme=programme), pk=pk)
    form = FunderForm(request.POST or None, instance=Funder.objects.get(pk=funder.pk))
    if request.method == "POST" and form.is_valid():
        services.funder_update(
            funder=funder, membership=request.membership, name=form.cleaned_data["name"]
        )
        messages.success(request, "Le financeur est enregistré.")
        return redirect("programme:budget")
    return render(
        request,
        "programme/form.html",
        {
            "form": form,
            "title": f"Modifier le financeur « {funder} »",
            "back": "programme:budget",
            "history": journal_for_object(funder),
        },
    )


@role_required(*MANAGERS)
def budget_line_edit(request, pk=None):
    programme = _programme()
    line = None
    if pk is not None:
        line = get_object_or_404(
            BudgetLine.objects.filter(funder__programme=programme).select_related("funder"), pk=pk
        )
    form = BudgetLineForm(request.POST or None, programme=programme, instance=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_save(
                membership=request.membership, budget_line=line, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "La ligne budgétaire est enregistrée.")
            return redirect("programme:budget")
    title = f"Modifier la ligne « {line.label} »" if line else "Ajouter une ligne budgétaire"
    return render(
        request,
        "programme/form.html",
        {
            "form": form,
            "title": title,
            "back": "programme:budget",
            "history": journal_for_object(line) if line else None,
        },
    )


@role_required(*MANAGERS)
def envelopes(request):
    programme = _programme()
    form = EnvelopesForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.envelopes_update(
                programme=programme, membership=request.membership, targets=form.targets()
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                french_count(len(changed), "enveloppe modifiée", "enveloppes modifiées") + ".",
            )
            return redirect("programme:envelopes")
    current = Envelope.objects.filter(programme=programme)
    epci_total = sum(e.chequebook_target for e in current if e.side == Side.EPCI)
    orphan = current.filter(side=Side.EPCI, epci__is_partner=False).select_related("epci")
    return render(
        request,
        "programme/envelopes.html",
        {
            "form": form,
            "epci_total": epci_total,
            "epci_expected": EPCI_ENVELOPE_TOTAL,
            "orphans": orphan,
        },
    )


@role_required(*MANAGERS)
def vintage_list(request):
    return render(
        request,
        "programme/vintages.html",
        {"vintages": Vintage.objects.filter(programme=_programme()).order_by("-year")},
    )


@role_required(*MANAGERS)
def vintage_edit(request, pk=None):
    programme = _programme()
    vintage = None
    if pk is not None:
        vintage = get_object_or_404(Vintage.objects.filter(programme=programme), pk=pk)
    form = VintageForm(request.POST or None, instance=vintage)
    if request.method == "POST" and form.is_valid():
        try:
            services.vintage_save(
                membership=request.membership,
                programme=programme,
                vintage=vintage,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Le millésime est enregistré.")
            return redirect("programme:vintages")
    title = f"Modifier le {vintage}" if vintage else "Créer un millésime"
    return render(
        request,
        "programme/form.html",
        {
            "form": form,
            "title": title,
            "back": "programme:vintages",
            "history": journal_for_object(vintage) if vintage else None,
        },
    )


@role_required(*MANAGERS)
def target_publics(request):
    form = TargetPublicCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            public = services.target_public_create(
                membership=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Le public cible « {public} » est ajouté.")
            return redirect("programme:publics")
    publics = TargetPublic.objects.order_by("side", "position")
    sides = [(label, [p for p in publics if p.side == value]) for value, label in Side.choices]
    return render(request, "programme/publics.html", {"form": form, "sides": sides})


@role_required(*MANAGERS)
def target_public_edit(request, pk):
    public = get_object_or_404(TargetPublic, pk=pk)
    form = TargetPublicForm(request.POST or None, instance=TargetPublic.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.target_public_update(
                membership=request.membership, public=public, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Le public cible est enregistré.")
            return redirect("programme:publics")
    return render(
        request,
        "programme/form.html",
        {
            "form": form,
            "title": f"Modifier le public cible « {public} »",
            "back": "programme:publics",
            "history": journal_for_object(public),
        },
    )


@role_required(*MANAGERS)
def partners(request):
    initial = {"partners": list(Epci.objects.filter(is_partner=True).values_list("pk", flat=True))}
    form = PartnersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        added, removed = services.epci_partners_set(
            membership=request.membership,
            partner_ids=[e.pk for e in form.cleaned_data["partners"]],
        )
        messages.success(
            request,
            "Liste des partenaires enregistrée ("
            f"{french_count(len(added), 'ajout', 'ajouts')}, "
            f"{french_count(len(removed), 'retrait', 'retraits')}).",
        )
        return redirect("programme:partners")
    return render(
        request,
        "programme/partners.html",
        {"form": form, "partner_count": initial["partners"].__len__()},
    )


@role_required(*MANAGERS)
def communes(request):
    filterset = CommuneFilter(
        request.GET or None, queryset=Commune.objects.select_related("epci").order_by("name")
    )
    table = CommuneTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "programme/communes.html", {"filter": filterset, "table": table})


@role_required(*MANAGERS)
def front_desk_types(request):
    """The front-desk types (reference data): the list, and a form to add one."""
    form = FrontDeskTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = front_desk_type_save(membership=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Le type d'accueil « {kind} » est ajouté.")
            return redirect("programme:front_desk_types")
    types = FrontDeskType.objects.annotate(desks=Count("organisations"))
    return render(request, "programme/front_desk_types.html", {"form": form, "types": types})


@role_required(*MANAGERS)
def front_desk_type_edit(request, pk):
    kind = get_object_or_404(FrontDeskType, pk=pk)
    form = FrontDeskTypeForm(request.POST or None, instance=FrontDeskType.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            front_desk_type_save(
                membership=request.membership, front_desk_type=kind, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Le type d'accueil est enregistré.")
            return redirect("programme:front_desk_types")
    return render(
        request,
        "programme/form.html",
        {
            "form": form,
            "title": f"Modifier le type d'accueil « {kind} »",
            "back": "programme:front_desk_types",
            "history": journal_for_object(kind),
        },
    )


# --- Calls for funds and payments received -------------------------------------------------------


@role_required(*MANAGERS)
def funding(request):
    """Per funder and year: called, received, balance due; the calls (with their PDF) and the
    payments."""
    programme = _programme()
    context = {
        "rows": funding_by_funder_year(programme),
        "calls": FundCall.objects.filter(funder__programme=programme).select_related("funder"),
        "payments": FundPayment.objects.filter(funder__programme=programme).select_related(
            "funder"
        ),
    }
    return render(request, "programme/funding.html", context)


def _funding_form(request, form_class, service, title, success):
    programme = _programme()
    form = form_class(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            service(membership=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("programme:funding")
    return render(
        request,
        "programme/form.html",
        {"form": form, "title": title, "back": "programme:funding", "history": None},
    )


@role_required(*MANAGERS)
def fund_call_new(request):
    return _funding_form(
        request, FundCallForm, services.fund_call_issue, "Émettre un appel de fonds",
        "L'appel de fonds est émis ; son PDF est prêt.",
    )  # fmt: skip


@role_required(*MANAGERS)
def fund_payment_new(request):
    return _funding_form(
        request, FundPaymentForm, services.fund_payment_record, "Enregistrer un paiement reçu",
        "Le paiement reçu est enregistré.",
    )  # fmt: skip


@role_required(*MANAGERS)
def fund_call_pdf(request, pk):
    call = get_object_or_404(FundCall.objects.filter(funder__programme=_programme()), pk=pk)
    if not call.file:
        raise Http404
    response = FileResponse(
        call.file.open("rb"), as_attachment=True, filename=f"appel-de-fonds-{call.reference}.pdf",
        content_type="application/pdf",
    )  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response
