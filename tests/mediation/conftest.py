"""Fixtures of mediation tests: a qualified mediator with an agreement in force, its people,
and handed-out chequebooks (every factory cheque has the code TEST_CHEQUE_CODE)."""

import itertools

import pytest
from django.utils import timezone

from passnum.organisations.models import Role
from tests.factories import (
    TEST_CHEQUE_CODE,
    AgreementFactory,
    HandedOutChequebookFactory,
    MediatorOrganisationFactory,
    MediatorProfileFactory,
    OwnerFactory,
    PlaceFactory,
    VintageFactory,
    manager_membership,
    mediator_membership,
)

CODE = TEST_CHEQUE_CODE
_tokens = itertools.count(1)


def token():
    return f"test-token-{next(_tokens)}"


def make_mediator(*, qualified=True, agreement=True, name=None):
    organisation = MediatorOrganisationFactory(**({"name": name} if name else {}))
    MediatorProfileFactory(
        organisation=organisation,
        charter_accepted_at=timezone.now(),
        **({} if qualified else {"qualification_status": "applied", "qualified_at": None}),
    )
    PlaceFactory(organisation=organisation)
    if agreement:
        AgreementFactory(mediator=organisation, counterpart=OwnerFactory())
    return mediator_membership(organisation=organisation, role=Role.ORG_ADMIN)


@pytest.fixture
def mediator(db):
    return make_mediator(name="Médiation A")


@pytest.fixture
def other_mediator(db):
    return make_mediator(name="Médiation B")


@pytest.fixture
def manager(db):
    return manager_membership()


@pytest.fixture
def vintage(db):
    return VintageFactory()


@pytest.fixture
def envelope(db):
    from tests.factories import EnvelopeFactory

    return EnvelopeFactory()


def handed_out(vintage, envelope, **kwargs):
    return HandedOutChequebookFactory(vintage=vintage, envelope=envelope, **kwargs)


@pytest.fixture
def chequebook(vintage, envelope):
    return handed_out(vintage, envelope)


@pytest.fixture
def redeem(mediator):
    """``redeem(cheques, membership=..., token=..., code=..., **activity)``."""
    from django.utils import timezone

    from mediation.services import ChequeLine, redemption_submit

    def _redeem(cheques, *, membership=None, code=CODE, tok=None, **kwargs):
        kwargs.setdefault("kind", "individual")
        kwargs.setdefault("date", timezone.localdate())
        kwargs.setdefault("duration_minutes", 60)
        kwargs.setdefault("themes", ["email"])
        lines = [
            c if isinstance(c, ChequeLine) else ChequeLine(str(c.number), code) for c in cheques
        ]
        return redemption_submit(
            membership=membership or mediator, token=tok or token(), lines=lines, **kwargs
        )

    return _redeem
