"""Refused redemption attempts: each one is stored with its reason, and the wrong codes an
account, and all the accounts of one organisation, typed recently throttle them (no guessing
of security codes).

Any page that tries a cheque's security code (redemption, a check without redeeming) spends
the same budget: it takes ``wrong_code_budget`` (rows locked, what is left), tries at most
``budget.remaining`` new codes, and stores its refusals with ``attempts_record``."""

import datetime
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import IntegerField, Subquery
from django.utils import timezone

from passnum.organisations.models import Membership, Organisation

from ..models import RedemptionAttempt
from .redemption_rules import Reason

#: Wrong codes allowed per account within the window before redemption is refused.
WRONG_CODE_LIMIT = getattr(settings, "PASSNUM_WRONG_CODE_LIMIT", 5)
#: Wrong codes allowed per organisation (all its accounts together) within the window.
WRONG_CODE_ORGANISATION_LIMIT = getattr(settings, "PASSNUM_WRONG_CODE_ORGANISATION_LIMIT", 10)
WRONG_CODE_WINDOW = datetime.timedelta(minutes=getattr(settings, "PASSNUM_WRONG_CODE_MINUTES", 15))


@dataclass
class WrongCodeBudget:
    """What an account acting for an organisation may still try: ``remaining`` new wrong codes
    (the smaller of the account's and the organisation's), and ``counted``, the (number typed,
    code digest) of the wrong codes this submission's token already spent (a retry), which
    spend nothing more."""

    account_spent: int
    organisation_spent: int
    counted: set[tuple[str, str]] = field(default_factory=set)

    @property
    def remaining(self) -> int:
        return max(
            0,
            min(
                WRONG_CODE_LIMIT - self.account_spent,
                WRONG_CODE_ORGANISATION_LIMIT - self.organisation_spent,
            ),
        )

    @property
    def exhausted(self) -> bool:
        """Nothing may be tried: no budget left and no code of this submission already counted."""
        return self.remaining <= 0 and not self.counted


def account_lock_queryset(membership):
    """Rule: the tries of one account are checked one after the other: its (user) row is
    locked until commit, first of all. A queryset of the membership that takes the lock (the
    redemption adds its own reads to it)."""
    return (
        Membership.objects.filter(pk=membership.pk)
        .select_related("user", "organisation")
        .select_for_update(of=("user",), no_key=True)
    )


def organisation_spent_locked(membership, *, now=None) -> int:
    """Rule: the wrong codes of one organisation's accounts are counted under the lock of the
    organisation's row, taken by a submission about to spend some, after the account's lock
    and the cheques' (always in this order, so two submissions never wait for each other in
    a cycle); a submission that spends nothing need not wait for its colleagues. Two
    statements: the lock, then the count (which then sees what the previous holder of the
    lock committed). Returns what the organisation spent."""
    list(
        Organisation.objects.select_for_update(no_key=True)
        .filter(pk=membership.organisation_id)
        .values_list("pk")
    )
    since = (now or timezone.now()) - WRONG_CODE_WINDOW
    return (
        _wrong_codes(since)
        .filter(mediator_id=membership.organisation_id)
        .values("token", "number_typed", "code_digest")
        .distinct()
        .count()
    )


class DistinctCount(Subquery):
    """COUNT(*) of a subquery's (distinct) rows."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS distinct_rows)"
    output_field = IntegerField()


def _wrong_codes(since):
    return RedemptionAttempt.objects.filter(reason=Reason.WRONG_CODE, created_at__gte=since)


def wrong_codes_spent_querysets(*, user_id, organisation_id, token, since) -> dict:
    """Rule: a wrong code counts once per distinct (submission token, number typed, code
    digest) since ``since`` (now − WRONG_CODE_WINDOW): the same submission sent again (a
    double click on a refused form) counts once; any other code, or another submission,
    counts again. Against WRONG_CODE_LIMIT for the account, WRONG_CODE_ORGANISATION_LIMIT for
    all the accounts of the organisation. The querysets of those distinct wrong codes (to
    count): account_spent, organisation_spent, token_spent (this submission's, a retry)."""
    distinct = ("token", "number_typed", "code_digest")
    return {
        "account_spent": _wrong_codes(since).filter(user_id=user_id).values(*distinct).distinct(),
        "organisation_spent": _wrong_codes(since)
        .filter(mediator_id=organisation_id)
        .values(*distinct)
        .distinct(),
        "token_spent": _wrong_codes(since)
        .filter(user_id=user_id, token=token)
        .values(*distinct)
        .distinct(),
    }


def wrong_codes_spent_annotations(*, user_id, organisation_id, token="", now=None) -> dict:
    """wrong_codes_spent_querysets counted, as annotations (no outer reference) of a query
    read after the lock of account_lock_queryset, in a statement of its own (so that it sees
    what the previous holder of the lock committed). organisation_spent is read without the
    organisation's lock: organisation_spent_locked counts it again before any is spent."""
    since = (now or timezone.now()) - WRONG_CODE_WINDOW
    querysets = wrong_codes_spent_querysets(
        user_id=user_id, organisation_id=organisation_id, token=token, since=since
    )
    return {name: DistinctCount(qs) for name, qs in querysets.items()}


def wrong_code_budget_from(row, *, user_id, token="", now=None) -> WrongCodeBudget:
    """The budget from a row annotated with wrong_codes_spent_annotations; reads the codes of
    this token already counted only when there are some (a retry)."""
    counted = set()
    if token and row.token_spent:
        since = (now or timezone.now()) - WRONG_CODE_WINDOW
        counted = set(
            _wrong_codes(since)
            .filter(user_id=user_id, token=token)
            .values_list("number_typed", "code_digest")
        )
    return WrongCodeBudget(
        account_spent=row.account_spent,
        organisation_spent=row.organisation_spent,
        counted=counted,
    )


def wrong_code_budget(membership, *, token: str = "", now=None) -> WrongCodeBudget:
    """Lock the account, then its organisation (account_lock_queryset,
    organisation_spent_locked), and say what they may still try. Call it inside a
    transaction, before trying any code, and store the refusals (attempts_record) before it
    commits. Do not lock cheque rows after it (the order is account, cheques, organisation):
    read them without a lock, or lock them before. Four queries (five for a retry of a
    refused submission)."""
    account_lock_queryset(membership).get()
    organisation_spent = organisation_spent_locked(membership, now=now)
    row = (
        Membership.objects.filter(pk=membership.pk)
        .annotate(
            **wrong_codes_spent_annotations(
                user_id=membership.user_id,
                organisation_id=membership.organisation_id,
                token=token,
                now=now,
            )
        )
        .only("pk")
        .get()
    )
    budget = wrong_code_budget_from(row, user_id=membership.user_id, token=token, now=now)
    budget.organisation_spent = organisation_spent
    return budget


def account_lock(user) -> None:
    """Serialise the submissions of one account (its user row, locked until commit), as
    account_lock_queryset does for a membership."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def redemption_wrong_codes_recent(
    *, user=None, organisation=None, now=None
) -> set[tuple[str, str, str]]:
    """The wrong codes this account (or this organisation's accounts) typed within the
    throttling window, as distinct (submission token, number typed, code digest), as
    wrong_codes_spent_annotations counts them."""
    since = (now or timezone.now()) - WRONG_CODE_WINDOW
    attempts = _wrong_codes(since)
    if user is not None:
        attempts = attempts.filter(user=user)
    if organisation is not None:
        attempts = attempts.filter(mediator=organisation)
    return set(attempts.values_list("token", "number_typed", "code_digest").distinct())


def code_digest(code: str) -> str:
    """A keyed digest of a typed code: tells two attempts with the same code apart from two
    with different codes, without storing the code."""
    key = f"passnum.mediation.attempt:{settings.SECRET_KEY}".encode()
    return hmac.new(key, (code or "").encode(), hashlib.sha256).hexdigest()


def attempts_record(answers, *, organisation, user, token=""):
    """Store each refused answer (not a line typed twice) with its reason; a wrong code keeps
    the digest of the code typed, which the throttling counts."""
    RedemptionAttempt.objects.bulk_create(
        RedemptionAttempt(
            number_typed=answer.typed[:40],
            cheque=answer.cheque,
            reason=answer.reason,
            mediator=organisation,
            user=user,
            token=token[:64],
            code_digest=answer.code_digest if answer.reason == Reason.WRONG_CODE else "",
        )
        for answer in answers
        if answer.reason and answer.reason != Reason.DUPLICATE_LINE
    )
