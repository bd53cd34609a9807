"""The same number on every page: a rule written once gives one figure wherever it is shown.

- Overdue referrals (``orientation.models.referral_overdue_q``): the front desk's home, the
  dashboard's radar, the radar's list and the tallies (per mediator) count the same referrals
  on the same day, including those made on the boundary day.
- Redeemed cheques (``chequebooks.states.REDEEMED_STATES``): the dashboard's "encaissés" and
  the vintage's reconciliation page (chequebooks) agree.
- This month's redemptions (``mediation.selectors.month_redemptions``): both panels of the
  mediator's home agree.
"""

import datetime
import re

import pytest
from django.urls import reverse
from freezegun import freeze_time

from mediation.models import Redemption
from orientation.models import Referral, ReferralState
from passnum.core.dates import PARIS
from reporting.selectors import Filters, by_mediator, chequebooks_in_scope, dashboard_data
from reporting.summaries import summaries_refresh
from tests.factories import (
    BeneficiaryFactory,
    FrontDeskFactory,
    MediatorOrganisationFactory,
    PlaceFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
    referral_create,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 17, 11, 0, tzinfo=PARIS)


def _made_at(desk, place, created_at, state=ReferralState.PROPOSED):
    return referral_create(
        beneficiary=BeneficiaryFactory(registered_by_organisation=desk),
        place=place,
        from_organisation=desk,
        state=state,
        created_at=created_at,
    )


def _home_follow_up_count(html: str) -> int:
    if "Aucune orientation à relancer." in html:
        return 0
    return int(re.search(r"(\d+) orientations? sans réponse", html).group(1))


def test_overdue_referrals_are_the_same_number_at_the_desk_on_the_radar_and_in_the_tallies(
    reference_data, login, client, settings
):
    """Follow-up after 14 days, today 17 March 2026 at 11:00 (Paris): the boundary is
    3 March 00:00. Made 15 days ago at 09:00 and on 2 March at 23:30: overdue. Made 14 days
    ago at 09:00, on 3 March at 00:00 sharp and 13 days ago: not yet. An accepted one made
    20 days ago: answered. So 2 everywhere."""
    settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS = 14
    with freeze_time(NOW):
        desk = FrontDeskFactory(name="Accueil de la frontière")
        place = PlaceFactory(organisation=MediatorOrganisationFactory(name="Médiateur frontière"))
        at = datetime.datetime
        _made_at(desk, place, at(2026, 3, 2, 9, 0, tzinfo=PARIS))  # D-15 09:00: overdue
        _made_at(desk, place, at(2026, 3, 2, 23, 30, tzinfo=PARIS))  # D-15 late: overdue
        _made_at(desk, place, at(2026, 3, 3, 0, 0, tzinfo=PARIS))  # D-14 00:00: not yet
        _made_at(desk, place, at(2026, 3, 3, 9, 0, tzinfo=PARIS))  # D-14 09:00: not yet
        _made_at(desk, place, at(2026, 3, 4, 9, 0, tzinfo=PARIS))  # D-13: not yet
        _made_at(desk, place, at(2026, 2, 25, 9, 0, tzinfo=PARIS), ReferralState.ACCEPTED)
        summaries_refresh()

        home = login(evaluator_membership(organisation=desk)).get(reverse("home"))
        at_the_desk = _home_follow_up_count(home.content.decode())

        manager = login(manager_membership())
        dashboard = manager.get(reverse("reporting:dashboard"))
        on_the_radar = dashboard.context["referrals_overdue"]
        in_the_tallies = sum(r["overdue"] for r in dashboard.context["by_mediator"])
        radar_list = manager.get(reverse("reporting:radar_referrals"))
        in_the_list = radar_list.context["page"].paginator.count

    assert Referral.objects.overdue(today=NOW.date()).count() == 2
    assert (at_the_desk, on_the_radar, in_the_list, in_the_tallies) == (2, 2, 2, 2)
    assert sum(r["overdue"] for r in by_mediator(Filters())) == 2


def test_overdue_referrals_agree_the_day_after_the_boundary(reference_data, login, settings):
    """The next day (18 March), the referral made on 3 March at 09:00 joins them: 3 on the
    desk's home, the radar, its list and the tallies refreshed that day."""
    settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS = 14
    with freeze_time(NOW):
        desk = FrontDeskFactory()
        place = PlaceFactory(organisation=MediatorOrganisationFactory())
        for day, hour in ((2, 9), (2, 23), (3, 9), (4, 9)):
            _made_at(desk, place, datetime.datetime(2026, 3, day, hour, 0, tzinfo=PARIS))
    with freeze_time(NOW + datetime.timedelta(days=1)):
        summaries_refresh()
        home = login(evaluator_membership(organisation=desk)).get(reverse("home"))
        manager = login(manager_membership())
        dashboard = manager.get(reverse("reporting:dashboard"))
        radar_list = manager.get(reverse("reporting:radar_referrals"))
        figures = (
            _home_follow_up_count(home.content.decode()),
            dashboard.context["referrals_overdue"],
            radar_list.context["page"].paginator.count,
            sum(r["overdue"] for r in dashboard.context["by_mediator"]),
        )
    assert figures == (3, 3, 3, 3)


def test_redeemed_cheques_are_the_same_number_on_the_dashboard_and_the_vintage_page(small, login):
    """The small programme's redeemed cheques (REDEEMED_STATES: redeemed, on a statement,
    paid): cb5's 3, cb6's 10 and cb7's 2, so 15 on the dashboard (encaissés) and on the
    vintage's reconciliation page; the chequebooks started (cb5, cb6, cb7) agree too."""
    summaries_refresh(as_of=small.today)
    client = login(small.manager)
    funnel = client.get(reverse("reporting:dashboard")).context["funnel"]
    page = client.get(reverse("chequebooks:vintage_reconciliation", args=[small.vintage.year]))
    figures = page.context["figures"]
    assert funnel["used"] == figures["redeemed"] == 15
    assert funnel["started"] == figures["chequebooks_started"] == 3


def test_this_months_redemptions_are_the_same_number_in_both_mediator_panels(small, login):
    """The mediator's home shows "this month" twice (mediation's month panel and reporting's
    figures): one month (``month_redemptions``, Europe/Paris). A redemption on the last evening
    of the previous month is in neither."""
    first = small.today.replace(day=1)
    evening = datetime.datetime.combine(
        first - datetime.timedelta(days=1), datetime.time(23, 30), tzinfo=PARIS
    )
    Redemption.objects.filter(
        pk=Redemption.objects.filter(mediator=small.mediator).order_by("pk").first().pk
    ).update(redeemed_at=evening)
    client = login(mediator_membership(organisation=small.mediator))
    panels = client.get(reverse("home")).context["panels"]
    mediation = next(p for p in panels if p.template == "mediation/home/_month.html")
    reporting = next(p for p in panels if "mediator_figures" in p.template)
    assert mediation.context["count"] == reporting.context["this_month"] == 14
    assert reporting.context["total"] == 15


@pytest.mark.parametrize(("which", "expected"), [("a", (2, 1)), ("b", (0, 1))])
def test_an_epcis_live_lists_and_its_tallies_agree(small, which, expected):
    """An EPCI's chequebooks are its envelope's, its referrals those made by its desks, to its
    places or for its residents: the tallies (EPCI_FIELDS) and the live lists
    (LIVE_EPCI_LOOKUPS) select the same. EPCI A: cb5, cb6; r1 (to a place in A). EPCI B: no
    chequebook of its envelope; r1 (for a resident of B)."""
    summaries_refresh(as_of=small.today)
    epci = small.epci_a if which == "a" else small.epci_b
    for filters in (Filters(epci_id=epci.pk), Filters(scope_epci_id=epci.pk)):
        data = dashboard_data(filters, today=small.today)
        live = (chequebooks_in_scope(filters).count(), data["referrals_overdue"])
        tallies = (data["funnel"]["bought"], sum(r["overdue"] for r in data["by_mediator"]))
        assert live == tallies == expected
