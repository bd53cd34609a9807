"""Helpers the service modules share: which envelope serves a front desk, and the checked
change of state."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from passnum.organisations.models import OrganisationKind
from passnum.territory.models import Side

from ..models import (
    ChequebookState,
    ChequeState,
)
from ..states import (
    IllegalTransition,
    cheque_transition_check,
    chequebook_transition_check,
)

# --- Helpers ----------------------------------------------------------------------------------


def envelope_serves(*, envelope, organisation) -> bool:
    """Rule: a front desk is served by its side's envelope: the CD12 envelope for a CD12-side
    desk, its own EPCI's envelope for an EPCI-side desk."""
    if organisation.kind != OrganisationKind.FRONT_DESK:
        return False
    if organisation.side == Side.CD12:
        return envelope.side == Side.CD12
    return envelope.side == Side.EPCI and envelope.epci_id == organisation.epci_id


def envelope_filter_for(organisation) -> Q:
    if organisation.side == Side.CD12:
        return Q(envelope__side=Side.CD12)
    return Q(envelope__side=Side.EPCI, envelope__epci_id=organisation.epci_id)


def _transition(kind, from_state, to_state):
    try:
        if kind == "cheque":
            cheque_transition_check(from_state, to_state)
        else:
            chequebook_transition_check(from_state, to_state)
    except IllegalTransition as exc:
        raise ValidationError(
            f"Changement d'état impossible : « {_state_label(kind, from_state)} » vers "
            f"« {_state_label(kind, to_state)} »."
        ) from exc


def _state_label(kind, state):
    choices = ChequeState if kind == "cheque" else ChequebookState
    try:
        return choices(state).label
    except ValueError:
        return state
