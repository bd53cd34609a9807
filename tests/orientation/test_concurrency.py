import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orientation.models import Referral, ReferralState
from orientation.services import referral_accept, referral_decline
from passnum.audit.models import JournalEntry
from tests.factories import ReferralFactory, mediator_membership


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_exactly_one_wins():
    referral = ReferralFactory()
    membership = mediator_membership(organisation=referral.mediator)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action(referral=Referral.objects.get(pk=referral.pk))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(lambda referral: referral_accept(referral=referral, membership=membership),),
        ),
        threading.Thread(
            target=run,
            args=(
                lambda referral: referral_decline(
                    referral=referral, membership=membership, reason="Complet"
                ),
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    referral.refresh_from_db()
    assert referral.state in (ReferralState.ACCEPTED, ReferralState.DECLINED)
    assert (
        JournalEntry.objects.filter(
            target_id=str(referral.pk), action__startswith="orientation.referral."
        ).count()
        == 1
    )
