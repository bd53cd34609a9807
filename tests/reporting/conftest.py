"""A small programme whose every figure is computed by hand in the tests' docstrings.

Vintage V (the current year), chequebooks of 10 cheques:

=====  ========  ==========================================  ===============================
book   envelope  state                                       cheques
=====  ========  ==========================================  ===============================
cb1    CD12      in stock                                    10 in stock
cb2    CD12      at desk1 since 90 days (stale stock)        10 at front desk
cb3    CD12      at desk1 since 10 days                      10 at front desk
cb4    CD12      handed out by desk1 100 days ago, ben1      10 handed out (never started)
cb5    EPCI A    handed out by desk2 30 days ago, ben2       7 handed out, 1 redeemed,
                                                             1 on statement, 1 paid
cb6    EPCI A    handed out by desk2 100 days ago, ben3      10 paid (fully used)
cb7    CD12      handed out by desk1 200 days ago, ben4      2 paid, 6 expired, 2 cancelled
cb8    CD12      cancelled in stock                          10 cancelled
=====  ========  ==========================================  ===============================

ben1 and ben4 live in commune B (EPCI B), ben2 and ben3 in commune A (EPCI A).
desk1 is a CD12 front desk (no EPCI), desk2 an EPCI A front desk.
Referrals: r1 desk1→mediator proposed 20 days ago (overdue), r2 desk2 proposed 2 days ago,
r3 desk2 accepted. Assessments: ben1 scored 3 (Débutant) then 8; ben2 scored 10 (Autonome).
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from chequebooks.models import ChequebookState, ChequeState
from mediation.models import StatementStatus
from passnum.organisations.models import Role
from passnum.programme.models import Envelope, TargetPublic
from passnum.territory.models import Commune, Side
from tests.factories import (
    AssessmentFactory,
    BeneficiaryFactory,
    ChequebookFactory,
    EpciFrontDeskFactory,
    FrontDeskFactory,
    HandedOutChequebookFactory,
    MediatorOrganisationFactory,
    MembershipFactory,
    PlaceFactory,
    StatementFactory,
    VintageFactory,
    manager_membership,
    redemption_create,
    referral_create,
)


@dataclass
class Small:
    vintage: object
    epci_a: object
    epci_b: object
    desk1: object
    desk2: object
    mediator: object
    chequebooks: dict
    manager: object
    coordinator: object
    today: object


def _set_states(chequebook, states):
    cheques = list(chequebook.cheques.order_by("position"))
    for cheque, state in zip(cheques, states, strict=False):
        cheque.state = state
        cheque.save(update_fields=["state"])
    return cheques


@pytest.fixture
def small(reference_data):
    now = timezone.now()
    today = timezone.localdate()
    vintage = VintageFactory(programme=reference_data)
    cd12 = Envelope.objects.get(side=Side.CD12)
    env_a = Envelope.objects.filter(side=Side.EPCI).select_related("epci").first()
    epci_a = env_a.epci
    commune_a = Commune.objects.filter(epci=epci_a).first()
    commune_b = Commune.objects.exclude(epci=epci_a).exclude(epci=None).first()
    epci_b = commune_b.epci
    p1 = TargetPublic.objects.get(code="cd12-rsa")
    p2 = TargetPublic.objects.get(code="epci-familles")
    desk1 = FrontDeskFactory(name="Accueil un")
    desk2 = EpciFrontDeskFactory(name="Accueil deux", epci=epci_a)
    mediator = MediatorOrganisationFactory(name="Médiateur un")
    place = PlaceFactory(organisation=mediator, commune=commune_a)

    def ben(commune, public, desk):
        return BeneficiaryFactory(
            commune=commune, target_public=public, registered_by_organisation=desk
        )

    ben1, ben4 = ben(commune_b, p1, desk1), ben(commune_b, p1, desk1)
    ben2, ben3 = ben(commune_a, p2, desk2), ben(commune_a, p2, desk2)
    cbs = {}
    cbs["cb1"] = ChequebookFactory(vintage=vintage, envelope=cd12)
    cbs["cb2"] = ChequebookFactory(
        vintage=vintage, envelope=cd12, state=ChequebookState.AT_FRONT_DESK, holder=desk1,
        allocated_at=now - timedelta(days=90),
    )  # fmt: skip
    cbs["cb3"] = ChequebookFactory(
        vintage=vintage, envelope=cd12, state=ChequebookState.AT_FRONT_DESK, holder=desk1,
        allocated_at=now - timedelta(days=10),
    )  # fmt: skip

    def handed(envelope, desk, beneficiary, days):
        return HandedOutChequebookFactory(
            vintage=vintage, envelope=envelope, holder=desk, beneficiary=beneficiary,
            handed_out_at=now - timedelta(days=days), allocated_at=now - timedelta(days=days + 5),
        )  # fmt: skip

    cbs["cb4"] = handed(cd12, desk1, ben1, 100)
    cbs["cb5"] = handed(env_a, desk2, ben2, 30)
    cbs["cb6"] = handed(env_a, desk2, ben3, 100)
    cbs["cb7"] = handed(cd12, desk1, ben4, 200)
    cbs["cb8"] = ChequebookFactory(vintage=vintage, envelope=cd12, state=ChequebookState.CANCELLED)

    paid = StatementFactory(mediator=mediator, status=StatementStatus.PAID, paid_at=today)
    issued = StatementFactory(mediator=mediator, status=StatementStatus.ISSUED)
    c5 = _set_states(cbs["cb5"], [ChequeState.REDEEMED, ChequeState.ON_STATEMENT, ChequeState.PAID])
    redemption_create(cheque=c5[0], mediator=mediator, place=place)
    redemption_create(cheque=c5[1], mediator=mediator, place=place, statement=issued)
    redemption_create(cheque=c5[2], mediator=mediator, place=place, statement=paid)
    for cheque in _set_states(cbs["cb6"], [ChequeState.PAID] * 10):
        redemption_create(cheque=cheque, mediator=mediator, place=place, statement=paid)
    c7 = _set_states(
        cbs["cb7"], [ChequeState.PAID] * 2 + [ChequeState.EXPIRED] * 6 + [ChequeState.CANCELLED] * 2
    )
    for cheque in c7[:2]:
        redemption_create(cheque=cheque, mediator=mediator, place=place, statement=paid)

    referral_create(beneficiary=ben1, place=place, from_organisation=desk1,
                    created_at=now - timedelta(days=20))  # fmt: skip
    referral_create(beneficiary=ben2, place=place, from_organisation=desk2,
                    created_at=now - timedelta(days=2))  # fmt: skip
    referral_create(beneficiary=ben3, place=place, from_organisation=desk2, state="accepted")

    a1 = AssessmentFactory(beneficiary=ben1, score=3, level_label="Débutant")
    a2 = AssessmentFactory(beneficiary=ben1, score=8, level_label="Intermédiaire")
    from orientation.models import Assessment

    Assessment.objects.filter(pk=a1.pk).update(created_at=now - timedelta(days=50))
    Assessment.objects.filter(pk=a2.pk).update(created_at=now - timedelta(days=5))
    AssessmentFactory(beneficiary=ben2, score=10, level_label="Autonome")

    from passnum.organisations.models import Organisation, OrganisationKind

    epci_org = Organisation.objects.create(
        kind=OrganisationKind.EPCI, name="Coordination A", epci=epci_a
    )
    coordinator = MembershipFactory(organisation=epci_org, role=Role.EPCI_COORDINATOR)
    return Small(
        vintage=vintage, epci_a=epci_a, epci_b=epci_b, desk1=desk1, desk2=desk2,
        mediator=mediator, chequebooks=cbs, manager=manager_membership(),
        coordinator=coordinator, today=today,
    )  # fmt: skip
