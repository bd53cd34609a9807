"""Refused redemption attempts: each one is stored with its reason, and the wrong codes an
account typed recently throttle it (no guessing of security codes)."""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import RedemptionAttempt
from .redemption_rules import Reason

#: Wrong codes allowed per account within the window before redemption is refused.
WRONG_CODE_LIMIT = getattr(settings, "PASSNUM_WRONG_CODE_LIMIT", 5)
WRONG_CODE_WINDOW = datetime.timedelta(minutes=getattr(settings, "PASSNUM_WRONG_CODE_MINUTES", 15))


def account_lock(user) -> None:
    """Serialise the submissions of one account (its user row, locked until commit)."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def redemption_wrong_codes_recent(*, user, now=None) -> set[tuple[str, str, str]]:
    """The wrong codes this account typed within the throttling window, as distinct
    (submission token, number typed, code digest): the same submission sent again (a double
    click on a refused form) counts once; any other code, or another submission, counts
    again. Its size is what the account has spent of WRONG_CODE_LIMIT."""
    now = now or timezone.now()
    return set(
        RedemptionAttempt.objects.filter(
            user=user, reason=Reason.WRONG_CODE, created_at__gte=now - WRONG_CODE_WINDOW
        )
        .values_list("token", "number_typed", "code_digest")
        .distinct()
    )


def code_digest(code: str) -> str:
    """A keyed digest of a typed code: tells two attempts with the same code apart from two
    with different codes, without storing the code."""
    key = f"passnum.mediation.attempt:{settings.SECRET_KEY}".encode()
    return hmac.new(key, (code or "").encode(), hashlib.sha256).hexdigest()


def attempts_record(answers, *, organisation, user, token=""):
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
