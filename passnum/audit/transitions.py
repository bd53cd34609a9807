"""Workflow transitions, in one idiom for every model that has states.

A ``Transition`` is named, lists the states it leaves from and the state it leads to, and the
journal event it writes. ``apply`` checks the source state, changes it, saves and journals who
did it; ``check`` alone serves services that change many rows in one UPDATE (with
``sources`` in the WHERE clause) and journal once."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .events import Event


class IllegalTransition(Exception):
    """A change of state the workflow does not allow (a programming error or a race lost: the
    services check the state under a row lock before calling ``apply``)."""

    def __init__(self, transition: "Transition", from_state):
        self.transition, self.from_state = transition, from_state
        super().__init__(f"{transition.name}: {from_state} → {transition.target} is not allowed")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: str
    event: Event | None = None
    field: str = "state"
    #: The states' choices (a TextChoices), to name them in the refusal people read.
    labels: type | None = None
    #: The refusal people read; ``{source}`` and ``{target}`` are the states' labels.
    refusal: str = "Changement d'état impossible : « {source} » vers « {target} »."

    def allowed_from(self, state) -> bool:
        return state in self.sources

    def check(self, state) -> None:
        """Refuse (IllegalTransition) unless ``state`` is one this transition leaves from."""
        if not self.allowed_from(state):
            raise IllegalTransition(self, state)

    def require(self, state) -> None:
        """``check`` as a refusal a page can show: a ValidationError (code
        ``illegal_transition``) naming the two states with their labels."""
        if not self.allowed_from(state):
            raise ValidationError(
                self.refusal.format(source=self._label(state), target=self._label(self.target)),
                code="illegal_transition",
            )

    def _label(self, state) -> str:
        try:
            return self.labels(state).label if self.labels else str(state)
        except ValueError:
            return str(state)

    def apply(
        self, obj, *, actor=None, organisation=None, update_fields=(), details=None, target=None
    ):
        """Move ``obj`` along this transition: check its current state, set the new one, save
        it (with ``update_fields``) and journal the event with who did it."""
        self.check(getattr(obj, self.field))
        setattr(obj, self.field, self.target)
        obj.save(update_fields=[self.field, *update_fields])
        if self.event is not None:
            self.event.record(
                actor=actor,
                organisation=organisation,
                target=obj if target is None else target,
                **(details or {}),
            )
        return obj


def sources_of(transitions, target) -> list:
    """The states from which one of ``transitions`` leads to ``target`` (for bulk UPDATEs)."""
    return sorted({s for t in transitions if t.target == target for s in t.sources})
