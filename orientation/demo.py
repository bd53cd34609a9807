# ruff: noqa: E501  (the demo people table reads best one person per line)
"""Demo orientation: the default questionnaire and, at each demo front desk, people at every
step of the flow (registered only, assessed, chequebook handed over, referred, accepted,
first session held, completed, re-assessed by the mediator (an autonomy gain), declined, lapsed,
waiting too long, anonymised on request). Everything goes through the services, so the journal
and the chequebooks' states are those of real use. Idempotent; the people are invented.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from chequebooks.models import Chequebook, StockMovement
from chequebooks.services import chequebook_handover_candidates
from passnum.accounts.models import User
from passnum.directory.models import Place
from passnum.organisations.models import Membership, Role
from passnum.organisations.roles import MEDIATOR_ROLES
from passnum.organisations.services import membership_add
from passnum.people.identity import birth_decade_for
from passnum.people.models import Beneficiary
from passnum.programme.demo import DEMO_PASSWORD
from passnum.programme.models import TargetPublic
from passnum.territory.models import Commune

from .models import Assessment, Referral
from .services import (
    assessment_no_handover,
    assessment_record,
    beneficiary_anonymise,
    beneficiary_hand_over,
    beneficiary_register,
    questionnaire_default_create,
    referral_accept,
    referral_complete,
    referral_create,
    referral_decline,
    referral_first_session_held,
    referral_lapse,
)

#: How many days ago each step's person first came (then spread over up to 20 more days):
#: enough for their story. "handed": a chequebook never started, past the radar's 60 days;
#: "follow_up": a referral left unanswered past the 14 days' follow-up.
STORY_DAYS = {
    "handed": 75,
    "referred": 25,
    "follow_up": 20,
    "accepted": 60,
    "first_session": 95,
    "completed": 140,
    "reassessed": 120,
    "declined": 70,
    "lapsed": 75,
}
#: Within the first visit: assessment, hand-over and referral, a few minutes apart.
VISIT_STEP = datetime.timedelta(minutes=10)
ANSWER_DELAY = datetime.timedelta(days=3)
FIRST_SESSION_DELAY = datetime.timedelta(days=7)

#: Which answer (0 = needs the most help, 2 = autonomous) a demo person gives.
LOW, MID, HIGH = 0, 1, 2

# step: registered | assessed | handed | no_handover | referred | follow_up | accepted |
#       first_session | completed | reassessed | declined | lapsed | anonymised
# (desk key, first name, last name, birth date, commune, public code, answer level, step,
#  mediator key)
PEOPLE = [
    ("msd_rodez", "Josiane", "Couderc", "1951-02-11", "Rodez", "cd12-apa", LOW, "referred", "med_rouergue"),
    ("msd_rodez", "Karim", "Benali", "1984-07-23", "Onet-le-Château", "cd12-rsa", MID, "accepted", "med_rouergue"),
    ("msd_rodez", "Paulette", "Vidal", "1946-10-02", "Luc-la-Primaube", "cd12-apa", LOW, "follow_up", "med_rouergue"),
    ("msd_rodez", "Bernard", "Alric", "1962-05-30", "Rodez", "cd12-rsa", MID, "handed", None),
    ("msd_rodez", "Sandrine", "Mazars", "1979-12-14", "Olemps", "cd12-parentalite", MID, "assessed", None),
    ("msd_rodez", "Lucien", "Bouscayrol", "1958-01-19", "Rodez", "cd12-rsa", LOW, "registered", None),
    ("caf", "Nadia", "Rouquette", "1990-03-08", "Rodez", "cd12-monoparentales-caf", MID, "declined", "med_rouergue"),
    ("caf", "Céline", "Fabre", "1987-09-17", "Sébazac-Concourès", "cd12-monoparentales-caf", HIGH, "no_handover", None),
    ("caf", "Aurélie", "Bru", "1993-06-05", "Rodez", "cd12-monoparentales-caf", LOW, "first_session", "med_rouergue"),
    ("mission_locale", "Dylan", "Costes", "2005-04-21", "Millau", "cd12-jeunes-mission-locale", MID, "referred", "med_millau"),
    ("mission_locale", "Inès", "Garrigues", "2004-11-30", "Millau", "cd12-jeunes-mission-locale", LOW, "assessed", None),
    ("savs", "Thierry", "Lacombe", "1975-08-09", "Villefranche-de-Rouergue", "cd12-handicap-savs", LOW, "lapsed", "med_villefranche"),
    ("savs", "Martine", "Delmas", "1969-02-27", "Villefranche-de-Rouergue", "cd12-handicap-savs", LOW, "registered", None),
    ("ccas_rodez", "Marcel", "Cayla", "1943-09-12", "Rodez", "epci-ages-hors-apa", LOW, "follow_up", "med_rouergue"),
    ("ccas_rodez", "Fatima", "Ouali", "1968-02-19", "Rodez", "epci-allophones", LOW, "referred", "med_rouergue"),
    ("ccas_rodez", "Yasmina", "Haddad", "1982-01-03", "Rodez", "epci-allophones", LOW, "accepted", "med_rouergue"),
    ("ccas_rodez", "Gérard", "Boyer", "1956-06-16", "Onet-le-Château", "epci-minimas-sociaux", MID, "assessed", None),
    ("fs_millau", "Odette", "Pradal", "1949-05-25", "Millau", "epci-ages-hors-apa", LOW, "accepted", "med_millau"),
    ("fs_millau", "Kevin", "Rigal", "1998-10-10", "Millau", "epci-demandeurs-emploi", MID, "handed", None),
    ("fs_decazeville", "Ahmed", "Sahli", "1971-03-14", "Decazeville", "epci-demandeurs-emploi", MID, "referred", "med_decazeville"),
    ("fs_decazeville", "Monique", "Carrière", "1950-12-01", "Decazeville", "epci-isoles-rural", LOW, "registered", None),
    ("ccas_villefranche", "Roger", "Fraysse", "1945-07-07", "Villefranche-de-Rouergue", "epci-ages-hors-apa", LOW, "declined", "med_villefranche"),
    ("fs_millau", "Simone", "Bessière", "1948-03-22", "Millau", "epci-ages-hors-apa", LOW, "completed", "med_millau"),
    ("msd_rodez", "Hervé", "Lagarrigue", "1960-11-05", "Rodez", "cd12-rsa", LOW, "reassessed", "med_rouergue"),
    ("caf", "Anaïs", "Vernhet", "1991-04-18", "Rodez", "cd12-monoparentales-caf", MID, "anonymised", None),
]  # fmt: skip


def _agent(ctx, key):
    """The demo account of a front desk (the foundation's, or one made here)."""
    org = ctx.orgs[key]
    membership = (
        Membership.objects.filter(organisation=org, is_active=True, role=Role.EVALUATOR)
        .select_related("user", "organisation")
        .first()
    )
    if membership is not None:
        return membership
    email = f"accueil.{key.replace('_', '-')}@demo.passnum.fr"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=DEMO_PASSWORD, first_name="Agent", last_name=org.name[:100]
    )
    return membership_add(user=user, organisation=org, role=Role.EVALUATOR)


def _mediator(ctx, key):
    org = ctx.orgs[key]
    membership = (
        Membership.objects.filter(organisation=org, is_active=True, role__in=MEDIATOR_ROLES)
        .select_related("user", "organisation")
        .first()
    )
    if membership is not None:
        return membership
    email = f"mediateur.{key.replace('_', '-')}@demo.passnum.fr"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=DEMO_PASSWORD, first_name="Médiateur", last_name=org.name[:100]
    )
    return membership_add(user=user, organisation=org, role=Role.MEDIATOR)


def _answers(questionnaire, level):
    answers = {}
    for question in questionnaire.questions.all():
        choices = list(question.choices.all())
        answers[question.pk] = choices[min(level, len(choices) - 1)].pk
    return answers


def _place(ctx, key, commune):
    org = ctx.orgs.get(key)
    if org is None:
        return None
    places = Place.objects.filter(organisation=org, is_active=True)
    return places.filter(commune=commune).first() or places.first()


def load(ctx) -> None:
    questionnaire = questionnaire_default_create()
    questionnaire = (
        type(questionnaire).objects.prefetch_related("questions__choices").get(pk=questionnaire.pk)
    )
    now = timezone.now()
    communes = {c.name: c for c in Commune.objects.filter(name__in={p[4] for p in PEOPLE})}
    publics = {t.code: t for t in TargetPublic.objects.all()}
    for index, (desk, first, last, birth, commune, public, level, step, med) in enumerate(PEOPLE):
        if desk not in ctx.orgs:
            continue
        agent = _agent(ctx, desk)
        birth_date = datetime.date.fromisoformat(birth)
        if Beneficiary.objects.filter(
            first_name=first,
            last_name=last,
            birth_date=birth_date,
            registered_by_organisation=agent.organisation,
        ).exists():
            continue  # already loaded
        if (
            step == "anonymised"
            and Beneficiary.objects.filter(
                anonymised_at__isnull=False,
                registered_by_organisation=agent.organisation,
                birth_decade=birth_decade_for(birth_date),
                target_public=publics[public],
            ).exists()
        ):
            continue  # already loaded (and anonymised: no name left to find it by)
        if publics[public].side != agent.organisation.side:
            continue
        person = beneficiary_register(
            membership=agent,
            consent_given=True,
            first_name=first,
            last_name=last,
            birth_date=birth_date,
            commune=communes.get(commune),
            outside_aveyron=commune not in communes,
            phone=f"06 12 34 {index:02d} {(index * 7) % 100:02d}",
            email="",
            contact_consent=index % 3 != 0,
            target_public=publics[public],
        )
        # The person's story, in order: registered and assessed on their first visit (day 0),
        # chequebook handed over and referral made that same visit, then the mediator's answer.
        day0 = _first_visit(step, index, now)
        Beneficiary.objects.filter(pk=person.pk).update(created_at=day0, consent_at=day0)
        if step == "registered":
            continue
        assessment = assessment_record(
            beneficiary=person,
            membership=agent,
            answers=_answers(questionnaire, level),
            questionnaire=questionnaire,
        )
        Assessment.objects.filter(pk=assessment.pk).update(created_at=day0 + VISIT_STEP)
        if step == "assessed":
            continue
        if step == "anonymised":
            beneficiary_anonymise(
                beneficiary=person, membership=agent, reason="à la demande de la personne"
            )
            continue
        if step == "no_handover":
            assessment_no_handover(
                assessment=assessment,
                membership=agent,
                reason="Personne autonome : n'a pas besoin d'accompagnement.",
            )
            continue
        # The mediation demo then redeems cheques of every referred chequebook (which answers
        # the referral); people referred to Rouergue Numérique and still waiting get their
        # chequebook at their next visit, so that its inbox shows referrals to answer.
        if not (step in ("referred", "follow_up") and med == "med_rouergue"):
            _hand_over(agent, person, at=day0 + 2 * VISIT_STEP)
        if step == "handed" or med is None:
            continue
        place = _place(ctx, med, communes.get(commune))
        if place is None:
            continue  # the mediation demo has no place for that mediator
        referral = referral_create(
            beneficiary=person, place=place, membership=agent, assessment=assessment
        )
        referred_at = day0 + 3 * VISIT_STEP
        Referral.objects.filter(pk=referral.pk).update(
            created_at=referred_at, state_changed_at=referred_at
        )
        mediator = _mediator(ctx, med)
        if step in ("accepted", "first_session", "completed", "reassessed"):
            referral_accept(referral=referral, membership=mediator)
            # Answered a few days later; the first session a week after that (the mediation
            # demo's redemptions start on that day: ``referral_first_session_on``).
            answered = min(referred_at + ANSWER_DELAY, now)
            Referral.objects.filter(pk=referral.pk).update(
                accepted_at=answered, state_changed_at=answered
            )
            if step in ("first_session", "completed"):
                referral_first_session_held(referral=referral, membership=mediator)
                referral.refresh_from_db(fields=["accepted_at", "created_at"])
                Referral.objects.filter(pk=referral.pk).update(
                    state_changed_at=referral_first_session_on(referral, now=now)
                )
            if step == "completed":
                referral_complete(referral=referral, membership=mediator)
            if step == "reassessed":  # the mediator's re-assessment: the gain shows
                assessment_record(
                    beneficiary=person,
                    membership=mediator,
                    answers=_answers(questionnaire, HIGH),
                    questionnaire=questionnaire,
                )
        elif step == "declined":
            referral_decline(
                referral=referral,
                membership=mediator,
                reason="Plus de place avant deux mois : orientez vers un lieu proche.",
            )
            Referral.objects.filter(pk=referral.pk).update(
                state_changed_at=min(referred_at + ANSWER_DELAY, now)
            )
        elif step == "lapsed":
            referral_lapse(referral=referral, reason="non acceptée en 60 jours")
            Referral.objects.filter(pk=referral.pk).update(
                state_changed_at=min(referred_at + datetime.timedelta(days=60), now)
            )


def _first_visit(step, index, now):
    """The day a demo person first came to the desk: long enough ago for the rest of their
    story (``STORY_DAYS``, spread a little by ``index``). Demo only: loaded in the first
    months of a year, a story may start before the current vintage's 1 January (its
    chequebook is of that vintage: the real service would have refused it on those days)."""
    days = STORY_DAYS.get(step, 3 + (index * 5) % 40)
    if days >= 20:
        days += (index * 7) % 20
    day0 = (now - datetime.timedelta(days=days)).replace(hour=9, minute=30 + index % 20)
    return min(day0, now - 4 * VISIT_STEP)


def referral_first_session_on(referral, *, now):
    """Demo: the first session, a week after the mediator accepted (never in the future)."""
    return min((referral.accepted_at or referral.created_at) + FIRST_SESSION_DELAY, now)


def _hand_over(agent, person, *, at):
    """Hand a chequebook over through the service, then date it ``at``: the chequebook was
    allocated to the desk (and received) two weeks before, if it was not earlier."""
    for chequebook in chequebook_handover_candidates(membership=agent)[:3]:
        try:
            book = beneficiary_hand_over(
                beneficiary=person, chequebook_number=chequebook.number, membership=agent
            )
        except ValidationError:
            continue
        allocated = min(book.allocated_at or at, at - datetime.timedelta(days=14))
        received = min(book.received_at or at, allocated + datetime.timedelta(days=2))
        Chequebook.objects.filter(pk=book.pk).update(
            handed_out_at=at, allocated_at=allocated, received_at=received
        )
        book.movements.filter(kind=StockMovement.Kind.ALLOCATION, at__gt=allocated).update(
            at=allocated
        )
        book.movements.filter(kind=StockMovement.Kind.RECEIPT, at__gt=received).update(at=received)
        return book
    return None
