"""The allowed changes of state of a referral, written once, one named ``Transition`` each
(passnum.audit.transitions).

A referral is proposed by a front desk; its mediator accepts or declines it; the first session
is held (mediation records it when an activity answers the referral); the support is completed.
A proposed or accepted referral left without an answer or a first session lapses. Every service
that changes a referral's state goes through one of these (``services.referrals``)."""

from passnum.audit.transitions import Transition

from . import journal
from .models import OPEN_REFERRAL_STATES, ReferralState

REFUSAL = "Une orientation « {source} » ne peut pas passer à « {target} »."

#: The mediator accepts a proposed referral.
REFERRAL_ACCEPT = Transition(
    "referral.accept",
    sources=(ReferralState.PROPOSED,),
    target=ReferralState.ACCEPTED,
    event=journal.REFERRAL_ACCEPTED,
    labels=ReferralState,
    refusal=REFUSAL,
)
#: The mediator declines a proposed referral, with a reason.
REFERRAL_DECLINE = Transition(
    "referral.decline",
    sources=(ReferralState.PROPOSED,),
    target=ReferralState.DECLINED,
    event=journal.REFERRAL_DECLINED,
    labels=ReferralState,
    refusal=REFUSAL,
)
#: The first session with the person is held (an accepted referral).
REFERRAL_FIRST_SESSION = Transition(
    "referral.first_session",
    sources=(ReferralState.ACCEPTED,),
    target=ReferralState.FIRST_SESSION,
    event=journal.REFERRAL_FIRST_SESSION,
    labels=ReferralState,
    refusal=REFUSAL,
)
#: The mediator closes the support after the first session.
REFERRAL_COMPLETE = Transition(
    "referral.complete",
    sources=(ReferralState.FIRST_SESSION,),
    target=ReferralState.COMPLETED,
    event=journal.REFERRAL_COMPLETED,
    labels=ReferralState,
    refusal=REFUSAL,
)
#: An open referral (proposed or accepted) lapses ("sans suite").
REFERRAL_LAPSE = Transition(
    "referral.lapse",
    sources=OPEN_REFERRAL_STATES,
    target=ReferralState.LAPSED,
    event=journal.REFERRAL_LAPSED,
    labels=ReferralState,
    refusal=REFUSAL,
)

REFERRAL_TRANSITIONS = (
    REFERRAL_ACCEPT,
    REFERRAL_DECLINE,
    REFERRAL_FIRST_SESSION,
    REFERRAL_COMPLETE,
    REFERRAL_LAPSE,
)


def referral_next_steps(referral) -> dict[str, bool]:
    """What the mediator may do next with ``referral``: each step its transition allows from
    the referral's state (answer a proposed one; record the first session of an accepted one;
    close one whose first session was held). The page offers those, nothing else."""
    return {
        "accept": REFERRAL_ACCEPT.allowed_from(referral.state),
        "decline": REFERRAL_DECLINE.allowed_from(referral.state),
        "first_session": REFERRAL_FIRST_SESSION.allowed_from(referral.state),
        "complete": REFERRAL_COMPLETE.allowed_from(referral.state),
    }
