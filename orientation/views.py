"""Orientation pages. Thin: parse, call a service or a selector, render.

The front desk's one flow: new person (1) → assessment (2) → chequebook (3) → referral (4) →
referral sheet (a download, no form). Each step's data is saved as soon as it is submitted and
every step stays reachable from the steps bar, so going back loses nothing.
"""

import datetime
import json
import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from chequebooks.selectors import chequebooks_visible_to
from chequebooks.services import chequebook_handover_candidates, chequebook_receipt_allowed
from passnum.core.dates import paris_midnight
from passnum.core.forms import form_add_service_errors
from passnum.core.numbers import number_or_none
from passnum.directory.availability import slot_occurrence_parse
from passnum.organisations.models import OrganisationKind
from passnum.organisations.permissions import FRONT_DESK, MANAGERS, MEDIATION, role_required
from passnum.organisations.roles import is_front_desk_agent, is_programme_manager
from passnum.pdf import render_pdf
from passnum.people.privacy import CONSENT_TEXT, CONSENT_TEXT_VERSION
from passnum.programme.models import Service
from passnum.territory.models import Commune

from . import selectors, services
from .forms import (
    AssessmentForm,
    BeneficiaryForm,
    DeclineForm,
    HandOverForm,
    LevelForm,
    NoHandOverForm,
    QuestionForm,
    ReferralForm,
    RegistrationForm,
    SearchForm,
)
from .models import (
    Appointment,
    Assessment,
    Level,
    Question,
    Questionnaire,
    Referral,
    ReferralState,
)
from .tables import BeneficiaryTable, ReferralTable
from .transitions import referral_next_steps

FRONT_DESK_KINDS = (OrganisationKind.FRONT_DESK,)
MEDIATOR_KINDS = (OrganisationKind.MEDIATOR,)
PEOPLE_KINDS = (OrganisationKind.FRONT_DESK, OrganisationKind.OWNER)
DRAFT_KEY = "orientation_new_person"
SUGGESTED, ALL_PLACES = "suggeres", "tous"


def _people(request):
    return selectors.beneficiaries_visible_to(request.membership).filter(anonymised_at__isnull=True)


def _communes_datalist():
    return Commune.objects.only("name", "postcodes").order_by("name")


# --- The flow --------------------------------------------------------------------------------


def _flow_context(person, step, **extra):
    return {"person": person, "step": step, **extra}


def _draft(request) -> dict:
    """Step 1's draft: what the agent typed and has not registered yet (or the person just
    registered). Kept in the session so that nothing typed is lost when coming back, but
    dropped PASSNUM_SESSION_IDLE_SECONDS after it was last saved, when the flow ends (the
    referral is made) or when the agent clears it: a person's data typed before their
    consent must not outlive the visit. Drafts are kept per membership: what was typed at one
    front desk never shows at another desk the same person works for (organisation switch)."""
    drafts = request.session.get(DRAFT_KEY) or {}
    key = str(request.membership.pk)
    draft = drafts.get(key) or {}
    saved_at = draft.get("saved_at")
    if saved_at is None or time.time() - saved_at > settings.PASSNUM_SESSION_IDLE_SECONDS:
        if key in drafts:
            _draft_clear(request)
        return {}
    return draft


def _draft_save(request, **draft) -> None:
    drafts = dict(request.session.get(DRAFT_KEY) or {})
    drafts[str(request.membership.pk)] = {**draft, "saved_at": time.time()}
    request.session[DRAFT_KEY] = drafts


def _draft_clear(request) -> None:
    """Forget this membership's draft (the session key goes when no draft is left)."""
    drafts = dict(request.session.get(DRAFT_KEY) or {})
    drafts.pop(str(request.membership.pk), None)
    if drafts:
        request.session[DRAFT_KEY] = drafts
    else:
        request.session.pop(DRAFT_KEY, None)


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
@require_POST
def flow_clear(request):
    """ "Effacer la saisie": forget what was typed at step 1 (a POST: it changes state)."""
    _draft_clear(request)
    messages.info(request, "Saisie effacée.")
    return redirect("orientation:flow_start")


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def flow_start(request):
    """Step 1: register a new person (or find them already known). The form's content is kept
    in the session until the person is registered, so nothing typed is lost (see _draft)."""
    draft = _draft(request)
    if request.GET.get("reset"):
        # "Nouvelle personne": forget the person registered last, keep anything typed since.
        draft.pop("beneficiary", None)
        draft.pop("saved_at", None)
        if draft:
            _draft_save(request, **draft)
        else:
            _draft_clear(request)
        return redirect("orientation:flow_start")
    if draft.get("beneficiary") and request.method == "GET":
        person = _people(request).filter(pk=draft["beneficiary"]).first()
        if person is not None:
            return redirect(f"{reverse('orientation:person_edit', args=[person.pk])}?parcours=1")
    side = request.organisation.side
    duplicate = None
    if request.method == "POST":
        form = RegistrationForm(request.POST, side=side)
        _draft_save(
            request,
            data={k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken",)},
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            duplicate = services.beneficiary_duplicate_check(
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
                membership=request.membership,
            )
            if duplicate.visible is not None:
                _draft_clear(request)
                messages.info(
                    request,
                    "Cette personne est déjà inscrite par votre accueil : reprenez son parcours.",
                )
                return redirect("orientation:flow_assess", pk=duplicate.visible.pk)
            try:
                person = services.beneficiary_register(membership=request.membership, **data)
            except ValidationError as error:
                form_add_service_errors(form, error)
                if duplicate.known:
                    form.show_confirmation()
            else:
                _draft_save(request, beneficiary=person.pk)
                return redirect("orientation:flow_assess", pk=person.pk)
    else:
        form = RegistrationForm(data=draft.get("data") or None, side=side)
        if draft.get("data"):
            form.is_valid()  # show what was typed, with its errors
        if (draft.get("data") or {}).get("confirm_known_elsewhere"):
            form.show_confirmation()
    return render(
        request,
        "orientation/flow_person.html",
        _flow_context(
            None,
            1,
            form=form,
            duplicate=duplicate,
            communes=_communes_datalist(),
            consent_version=CONSENT_TEXT_VERSION,
            consent_text=CONSENT_TEXT,
            has_draft=bool(draft.get("data")),
        ),
    )


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def person_edit(request, pk):
    """Correct a person's record (also step 1 of the flow when coming back to it)."""
    person = get_object_or_404(_people(request), pk=pk)
    in_flow = bool(request.GET.get("parcours") or request.POST.get("parcours"))
    fields = services.BENEFICIARY_FIELDS
    if request.method == "POST":
        form = BeneficiaryForm(request.POST, side=request.organisation.side)
        if form.is_valid():
            try:
                services.beneficiary_update(
                    beneficiary=person, membership=request.membership, **form.cleaned_data
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                if in_flow:
                    return redirect("orientation:flow_assess", pk=person.pk)
                messages.success(request, "Fiche mise à jour.")
                return redirect("orientation:person_detail", pk=person.pk)
    else:
        services.beneficiary_record_viewed(beneficiary=person, membership=request.membership)
        form = BeneficiaryForm(
            initial={f: getattr(person, f) for f in fields}, side=request.organisation.side
        )
    return render(
        request,
        "orientation/flow_person.html",
        _flow_context(
            person, 1, form=form, communes=_communes_datalist(), in_flow=in_flow, editing=True
        ),
    )


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def flow_assess(request, pk):
    """Step 2: the pre-assessment, with the questionnaire in service."""
    person = get_object_or_404(_people(request), pk=pk)
    return _assess(
        request,
        person,
        template="orientation/flow_assess.html",
        success=lambda: redirect("orientation:flow_handover", pk=person.pk),
    )


def _assess(request, person, *, template, success, extra=None):
    questionnaire = selectors.questionnaire_current()
    if questionnaire is None:
        messages.error(request, "Aucun questionnaire n'est en service : prévenez le gestionnaire.")
        return redirect("home")
    latest = selectors.assessment_latest_by(person, request.organisation)
    initial = {}
    if latest is not None and latest.questionnaire_id == questionnaire.pk:
        initial = {a["question"]: a.get("choice_id") for a in latest.answers}
    if request.method == "POST":
        form = AssessmentForm(request.POST, questionnaire=questionnaire)
        if form.is_valid():
            try:
                services.assessment_record(
                    beneficiary=person,
                    membership=request.membership,
                    answers=form.answers(),
                    questionnaire=questionnaire,
                    replaces=latest if request.POST.get("correct") else None,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return success()
    else:
        form = AssessmentForm(questionnaire=questionnaire, initial_answers=initial)
    can_correct = selectors.assessment_can_be_corrected(latest, request.membership)
    context = _flow_context(
        person, 2, form=form, questionnaire=questionnaire, latest=latest, can_correct=can_correct
    )
    context.update(extra or {})
    return render(request, template, context)


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def flow_handover(request, pk):
    """Step 3: hand over a chequebook (scanned or typed), or record why not."""
    person = get_object_or_404(_people(request), pk=pk)
    assessment = selectors.assessment_latest_by(person, request.organisation)
    saved_reason = (
        assessment.no_handover_reason
        if assessment is not None and assessment.handover_decision is False
        else ""
    )
    form, no_form = HandOverForm(), NoHandOverForm(initial={"reason": saved_reason})
    if request.method == "POST":
        if request.POST.get("action") == "no_handover" and assessment is not None:
            no_form = NoHandOverForm(request.POST)
            if no_form.is_valid():
                try:
                    services.assessment_no_handover(
                        assessment=assessment,
                        membership=request.membership,
                        reason=no_form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    form_add_service_errors(no_form, error)
                else:
                    messages.success(request, "Non-remise enregistrée avec son motif.")
                    return redirect("orientation:flow_refer", pk=person.pk)
        else:
            form = HandOverForm(request.POST)
            if form.is_valid():
                try:
                    chequebook = services.beneficiary_hand_over(
                        beneficiary=person,
                        chequebook_number=form.cleaned_data["chequebook_number"],
                        membership=request.membership,
                    )
                except ValidationError as error:
                    form_add_service_errors(form, error)
                else:
                    messages.success(request, f"{chequebook} remis à {person}.")
                    return redirect("orientation:flow_refer", pk=person.pk)
    candidates = chequebook_handover_candidates(membership=request.membership)
    return render(
        request,
        "orientation/flow_handover.html",
        _flow_context(
            person,
            3,
            form=form,
            no_form=no_form,
            assessment=assessment,
            saved_reason=saved_reason,
            current=selectors.chequebook_in_hand(person),
            candidates=candidates[:200],
            candidate_count=candidates.count(),
        ),
    )


def _suggested_services(assessment):
    if assessment is None or not assessment.suggested_services:
        return []
    return list(Service.objects.filter(label__in=assessment.suggested_services))


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def flow_refer(request, pk):
    """Step 4: choose a mediation place, nearest first. By default only the places offering
    at least one suggested service; "Tous les lieux" or one service on request."""
    person = get_object_or_404(_people(request), pk=pk)
    assessment = person.assessments.first()
    suggested = _suggested_services(assessment)
    choice = request.GET.get("service") or (SUGGESTED if suggested else ALL_PLACES)
    service = None
    if choice not in (SUGGESTED, ALL_PLACES):
        service = Service.objects.filter(code=choice).first()
        if service is None:
            choice = ALL_PLACES
    places = selectors.places_for_referral(
        commune=person.commune, services=suggested, suggested_only=choice == SUGGESTED
    )
    if service is not None:
        places = places.filter(services=service)
    form = ReferralForm(request.POST or None, places=places)
    form.slot_errors = []
    if request.method == "POST" and form.is_valid():
        place = form.cleaned_data["place"]
        # The optional appointment: the slot chosen in the chosen place's card.
        slot = slot_occurrence_parse(request.POST.get(f"slot-{place.pk}", ""))
        try:
            referral = services.referral_create_with_appointment(
                beneficiary=person,
                place=place,
                membership=request.membership,
                assessment=assessment,
                slot_id=slot[0] if slot else None,
                day=slot[1] if slot else None,
            )
        except ValidationError as error:
            slot_error = getattr(error, "error_dict", {}).pop("slot", None)
            if slot_error:
                form.slot_errors = [m for e in slot_error for m in e.messages]
            if getattr(error, "error_dict", True):
                form_add_service_errors(form, error)
        else:
            _draft_clear(request)
            return redirect("orientation:flow_done", pk=referral.pk)
    shown = list(places[:60])
    free = selectors.places_free_occurrences(shown)
    for place in shown:
        place.free_occurrences = free.get(place.pk)
    return render(
        request,
        "orientation/flow_refer.html",
        _flow_context(
            person,
            4,
            form=form,
            places=shown,
            chosen_slot=request.POST.get(f"slot-{request.POST.get('place')}", ""),
            suggested=suggested,
            suggested_ids={s.pk for s in suggested},
            services=Service.objects.all(),
            service=service,
            choice=choice,
            assessment=assessment,
            open_referrals=person.referrals.open().select_related("place"),
        ),
    )


def _front_desk_referral(request, pk):
    return get_object_or_404(
        selectors.referrals_for_front_desk(request.membership).select_related(
            "beneficiary",
            "place",
            "place__commune",
            "mediator",
            "chequebook__vintage",
            "assessment",
        ),
        pk=pk,
    )


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def flow_done(request, pk):
    """Step 5: the referral is made; print its sheet."""
    referral = _front_desk_referral(request, pk)
    chequebook = referral.chequebook
    return render(
        request,
        "orientation/flow_done.html",
        _flow_context(
            referral.beneficiary,
            5,
            referral=referral,
            receipt_allowed=chequebook is not None
            and chequebook_receipt_allowed(chequebook, request.membership),
            appointment=selectors.referral_appointment(referral),
        ),
    )


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def referral_sheet(request, pk):
    """The referral sheet (PDF) handed to the person. Journaled (it carries personal data)."""
    referral = _front_desk_referral(request, pk)
    services.referral_sheet_printed(referral=referral, membership=request.membership)
    chequebook = referral.chequebook
    pdf = render_pdf(
        "orientation/referral_sheet.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "place": referral.place,
            "place_services": list(referral.place.services.all()),
            "chequebook": chequebook,
            "front_desk": referral.from_organisation,
            "today": timezone.localdate(),
            "appointment": selectors.referral_appointment(referral),
        },
        title=f"Fiche d'orientation n° {referral.pk}",
        created=referral.created_at,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fiche-orientation-{referral.pk}.pdf"'
    return response


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def referral_appointment(request, pk):
    """The front desk gives the person an appointment after the referral, or another one (the
    first was missed or does not suit)."""
    referral = _front_desk_referral(request, pk)
    current = selectors.referral_appointment(referral)
    free = selectors.places_free_occurrences([referral.place]).get(referral.place_id) or []
    errors = []
    if request.method == "POST":
        slot = slot_occurrence_parse(request.POST.get("slot", ""))
        if slot is None:
            errors = ["Choisissez un créneau."]
        else:
            try:
                services.appointment_rebook(
                    referral=referral, slot_id=slot[0], day=slot[1], membership=request.membership
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, "Rendez-vous pris. Imprimez la fiche à jour.")
                return redirect("orientation:flow_done", pk=referral.pk)
    return render(
        request,
        "orientation/referral_appointment.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "current": current,
            "free": free,
            "errors": errors,
            "chosen": request.POST.get("slot", ""),
        },
        status=400 if errors else 200,
    )


# --- People ----------------------------------------------------------------------------------


@role_required(*FRONT_DESK, *MANAGERS, kinds=PEOPLE_KINDS)
def person_list(request):
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    people = selectors.beneficiaries_for_list(request.membership, search=q)
    table = BeneficiaryTable(people)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "orientation/person_list.html",
        {
            "table": table,
            "search": search,
            "is_manager": is_programme_manager(request.membership),
        },
    )


@role_required(*FRONT_DESK, *MANAGERS, kinds=PEOPLE_KINDS)
def person_detail(request, pk):
    person = get_object_or_404(
        selectors.beneficiaries_visible_to(request.membership).select_related(
            "commune", "target_public", "registered_by_organisation"
        ),
        pk=pk,
    )
    services.beneficiary_record_viewed(beneficiary=person, membership=request.membership)
    chequebooks = _person_chequebooks(person, request.membership)
    referrals = list(person.referrals.select_related("place", "mediator").order_by("-created_at"))
    return render(
        request,
        "orientation/person_detail.html",
        {
            "person": person,
            # The papers of the latest referral this desk made and of the latest chequebook
            # whose receipt it may print, side by side.
            "paper_referral": next(
                (r for r in referrals if r.from_organisation_id == request.organisation.pk),
                None,
            )
            if is_front_desk_agent(request.membership)
            else None,
            "paper_chequebook": next(
                (row["chequebook"] for row in reversed(chequebooks) if row["receipt"]), None
            ),
            "assessments": person.assessments.select_related("assessed_by_organisation"),
            "gain": services.assessment_gain(beneficiary=person),
            "chequebooks": chequebooks,
            "referrals": referrals,
            "history": selectors.beneficiary_history(person),
            "can_anonymise": selectors.beneficiary_can_be_anonymised(person, request.membership),
            "is_front_desk": is_front_desk_agent(request.membership),
            "is_manager": is_programme_manager(request.membership),
        },
    )


def _person_chequebooks(person, membership):
    """The person's chequebooks, each with whether this organisation may open its page
    (chequebooks_visible_to) and download its receipt (chequebook_receipt_allowed)."""
    visible = set(
        chequebooks_visible_to(membership).filter(beneficiary=person).values_list("pk", flat=True)
    )
    return [
        {
            "chequebook": c,
            "visible": c.pk in visible,
            "receipt": chequebook_receipt_allowed(c, membership),
        }
        for c in selectors.beneficiary_chequebooks(person)
    ]


@role_required(*FRONT_DESK, *MANAGERS, kinds=PEOPLE_KINDS)
def person_export(request, pk):
    """Right of access: everything the programme holds on a person, as JSON. Journaled."""
    person = get_object_or_404(selectors.beneficiaries_visible_to(request.membership), pk=pk)
    data = services.beneficiary_export(beneficiary=person, membership=request.membership)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="donnees-personne-{person.pk}.json"'
    return response


@role_required(*FRONT_DESK, *MANAGERS, kinds=PEOPLE_KINDS)
def person_export_pdf(request, pk):
    """Right of access, for the person: the same data as a PDF to print. Journaled."""
    person = get_object_or_404(selectors.beneficiaries_visible_to(request.membership), pk=pk)
    data = services.beneficiary_export(
        beneficiary=person, membership=request.membership, format="pdf"
    )
    pdf = render_pdf(
        "orientation/person_export.html",
        {"data": data, "organisation": request.organisation, "today": timezone.localdate()},
        title=f"Données personnelles – personne n° {person.pk}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="donnees-personne-{person.pk}.pdf"'
    return response


@require_POST
@role_required(*FRONT_DESK, *MANAGERS, kinds=PEOPLE_KINDS)
def person_anonymise(request, pk):
    person = get_object_or_404(selectors.beneficiaries_visible_to(request.membership), pk=pk)
    if request.POST.get("confirm") != "oui":
        messages.error(request, "Cochez la case de confirmation pour anonymiser la personne.")
        return redirect("orientation:person_detail", pk=person.pk)
    try:
        services.beneficiary_anonymise(
            beneficiary=person, membership=request.membership, reason="à la demande de la personne"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("orientation:person_detail", pk=person.pk)
    messages.success(request, "La personne a été anonymisée.")
    return redirect("orientation:person_list")


@role_required(*FRONT_DESK, kinds=FRONT_DESK_KINDS)
def referral_list(request):
    referrals = selectors.referrals_for_front_desk(request.membership)
    state = request.GET.get("etat")
    if state in ReferralState.values:
        referrals = referrals.filter(state=state)
    table = ReferralTable(referrals)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "orientation/referral_list.html",
        {
            "table": table,
            "states": ReferralState.choices,
            "state": state,
            "follow_up": selectors.referrals_needing_follow_up(request.membership).count(),
            "missed": selectors.missed_appointments_for_front_desk(request.membership)[:50],
            "follow_up_days": settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS,
        },
    )


# --- Mediator --------------------------------------------------------------------------------


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def inbox(request):
    """The mediator's referrals: those waiting for an answer, then those in progress."""
    waiting = selectors.referral_inbox(request.membership).order_by("created_at")
    in_progress = selectors.referrals_in_progress(request.membership).order_by("-state_changed_at")[
        :50
    ]
    return render(
        request,
        "orientation/inbox.html",
        {"waiting": waiting, "in_progress": in_progress},
    )


def _mediator_referral_context(request, referral, **extra):
    person = referral.beneficiary
    return {
        "referral": referral,
        "steps": referral_next_steps(referral),
        "can_redeem": Referral.objects.active().filter(pk=referral.pk).exists(),
        "person": person,
        "assessments": person.assessments.all()[:5],
        "gain": services.assessment_gain(beneficiary=person),
        "decline_form": DeclineForm(),
        "appointment": selectors.referral_appointment(referral),
        **extra,
    }


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def appointment_list(request):
    """The mediator's appointments of a day or of its week (Monday to Sunday), with the
    person's details a mediator may see; held or missed is noted here."""
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(request.GET.get("jour") or today.isoformat())
    except ValueError:
        day = today
    week = request.GET.get("vue") == "semaine"
    start_day = day - datetime.timedelta(days=day.weekday()) if week else day
    end_day = start_day + datetime.timedelta(days=7 if week else 1)
    appointments = list(
        selectors.appointments_for_mediator(
            request.membership, start=paris_midnight(start_day), end=paris_midnight(end_day)
        )
    )
    step = datetime.timedelta(days=7 if week else 1)
    return render(
        request,
        "orientation/appointment_list.html",
        {
            "appointments": appointments,
            "day": day,
            "today": today,
            "week": week,
            "start_day": start_day,
            "last_day": end_day - datetime.timedelta(days=1),
            "previous": start_day - step,
            "next": start_day + step,
        },
    )


@require_POST
@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def appointment_mark(request, pk):
    """The mediator notes an appointment held (the referral's first session) or missed."""
    appointment = get_object_or_404(
        Appointment.objects.filter(
            referral__in=selectors.referrals_for_mediator(request.membership)
        ).select_related("referral"),
        pk=pk,
    )
    action = request.POST.get("action")
    try:
        if action == "held":
            services.appointment_held(appointment=appointment, membership=request.membership)
            messages.success(request, "Rendez-vous honoré : première séance enregistrée.")
        elif action == "missed":
            services.appointment_missed(appointment=appointment, membership=request.membership)
            messages.success(request, "Rendez-vous manqué : l'accueil pourra en reprendre un.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    day = timezone.localdate(appointment.starts_at)
    return redirect(f"{reverse('orientation:appointment_list')}?jour={day.isoformat()}")


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def mediator_referral(request, pk):
    """What a mediator sees of a person: name, commune, contact if consented, autonomy level
    and suggested services. Nothing else."""
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    services.beneficiary_record_viewed(
        beneficiary=referral.beneficiary, membership=request.membership
    )
    return render(
        request, "orientation/mediator_referral.html", _mediator_referral_context(request, referral)
    )


@require_POST
@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def referral_accept_view(request, pk):
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    try:
        services.referral_accept(referral=referral, membership=request.membership)
        messages.success(
            request, f"{referral} acceptée. Contactez la personne pour fixer un rendez-vous."
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("orientation:inbox")


@require_POST
@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def referral_progress_view(request, pk):
    """The mediator records the first session (when no redemption did it) or closes the
    support."""
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "first_session":
            services.referral_first_session_held(referral=referral, membership=request.membership)
            messages.success(request, "Première séance enregistrée.")
        elif action == "complete":
            services.referral_complete(referral=referral, membership=request.membership)
            messages.success(request, "Accompagnement terminé.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("orientation:mediator_referral", pk=referral.pk)


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def referral_decline_view(request, pk):
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_decline(
                referral=referral, membership=request.membership, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{referral} refusée. L'accueil en est informé.")
            return redirect("orientation:inbox")
    return render(
        request,
        "orientation/mediator_referral.html",
        _mediator_referral_context(request, referral, decline_form=form),
        status=400 if request.method == "POST" else 200,
    )


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def mediator_reassess(request, pk):
    """A mediator re-assesses a person referred to it: the gain is evidence for the programme."""
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)

    def success():
        messages.success(request, "Nouvelle évaluation enregistrée.")
        return redirect("orientation:mediator_referral", pk=referral.pk)

    return _assess(
        request,
        referral.beneficiary,
        template="orientation/mediator_reassess.html",
        success=success,
        extra={"referral": referral},
    )


# --- Questionnaire editor (programme managers) -----------------------------------------------


@role_required(*MANAGERS)
def questionnaire_list(request):
    questionnaires = Questionnaire.objects.prefetch_related(
        Prefetch("questions"), "levels"
    ).order_by("-version")
    if request.method == "POST":
        draft = services.questionnaire_draft_create(membership=request.membership)
        return redirect("orientation:questionnaire_detail", pk=draft.pk)
    return render(
        request, "orientation/questionnaire_list.html", {"questionnaires": questionnaires}
    )


@role_required(*MANAGERS)
def questionnaire_detail(request, pk):
    questionnaire = get_object_or_404(
        Questionnaire.objects.prefetch_related("questions__choices", "levels__suggested_services"),
        pk=pk,
    )
    question_form = QuestionForm(prefix="new")
    level_form = LevelForm(prefix="level")
    editing_level = questionnaire.levels.filter(
        pk=number_or_none(request.GET.get("niveau")) or 0
    ).first()
    if editing_level is not None:
        level_form = LevelForm(
            prefix="level",
            initial={
                "label": editing_level.label,
                "code": editing_level.code,
                "min_score": editing_level.min_score,
                "suggested_cheques": editing_level.suggested_cheques,
                "suggests_handover": editing_level.suggests_handover,
                "services": list(editing_level.suggested_services.all()),
            },
        )
    if request.method == "POST" and not questionnaire.is_published:
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.questionnaire_publish(
                    questionnaire=questionnaire, membership=request.membership
                )
                messages.success(request, f"{questionnaire} publié et mis en service.")
                return redirect("orientation:questionnaire_detail", pk=questionnaire.pk)
            if action == "add_question":
                question_form = QuestionForm(request.POST, prefix="new")
                if question_form.is_valid():
                    services.question_save(
                        questionnaire=questionnaire,
                        membership=request.membership,
                        text=question_form.cleaned_data["text"],
                        help_text=question_form.cleaned_data["help_text"],
                        choices=question_form.cleaned_data["choices"],
                        position=question_form.cleaned_data["position"],
                    )
                    messages.success(request, "Question ajoutée.")
                    return redirect("orientation:questionnaire_detail", pk=questionnaire.pk)
            if action == "delete_question":
                question = get_object_or_404(
                    Question.objects.filter(questionnaire=questionnaire),
                    pk=number_or_none(request.POST.get("id")),
                )
                services.question_delete(question=question, membership=request.membership)
                messages.success(request, "Question supprimée.")
                return redirect("orientation:questionnaire_detail", pk=questionnaire.pk)
            if action == "save_level":
                level_form = LevelForm(request.POST, prefix="level")
                if level_form.is_valid():
                    data = level_form.cleaned_data
                    level = Level.objects.filter(
                        questionnaire=questionnaire, code=data["code"]
                    ).first()
                    services.level_save(
                        questionnaire=questionnaire,
                        membership=request.membership,
                        code=data["code"],
                        label=data["label"],
                        min_score=data["min_score"],
                        suggested_cheques=data["suggested_cheques"],
                        suggests_handover=data["suggests_handover"],
                        services=data["services"],
                        level=level,
                    )
                    messages.success(request, "Niveau enregistré.")
                    return redirect("orientation:questionnaire_detail", pk=questionnaire.pk)
            if action == "delete_level":
                level = get_object_or_404(
                    Level.objects.filter(questionnaire=questionnaire),
                    pk=number_or_none(request.POST.get("id")),
                )
                services.level_delete(level=level, membership=request.membership)
                messages.success(request, "Niveau supprimé.")
                return redirect("orientation:questionnaire_detail", pk=questionnaire.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "orientation/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "question_form": question_form,
            "level_form": level_form,
            "editing_level": editing_level,
            "assessment_count": Assessment.objects.filter(questionnaire=questionnaire).count(),
        },
    )


@role_required(*MANAGERS)
def question_edit(request, pk):
    question = get_object_or_404(
        Question.objects.select_related("questionnaire").prefetch_related("choices"), pk=pk
    )
    if question.questionnaire.is_published:
        messages.error(request, "Une version publiée ne change plus : créez une nouvelle version.")
        return redirect("orientation:questionnaire_detail", pk=question.questionnaire_id)
    initial = {
        "text": question.text,
        "help_text": question.help_text,
        "position": question.position,
        "choices": "\n".join(f"{c.label} | {c.score}" for c in question.choices.all()),
    }
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(
                questionnaire=question.questionnaire,
                membership=request.membership,
                question=question,
                text=form.cleaned_data["text"],
                help_text=form.cleaned_data["help_text"],
                choices=form.cleaned_data["choices"],
                position=form.cleaned_data["position"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Question modifiée.")
            return redirect("orientation:questionnaire_detail", pk=question.questionnaire_id)
    return render(request, "orientation/question_edit.html", {"form": form, "question": question})
