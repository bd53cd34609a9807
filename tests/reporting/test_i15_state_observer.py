"""Issue 15, the State observer: a member of a State service reads the dashboard, the vintage
reconciliation and the periodic reports of the whole programme, changes nothing and never
sees a person.

The walk: every URL pattern of the URLconf (a resolver walk, the admin's and allauth's
included) is filled with ids and names from the demo, then asked for as the observer: GET
must show no beneficiary's name, phone or e-mail and write nothing; POST (and the other
writing methods) must write nothing (the row count of every table is unchanged, sessions
aside: logging out is allowed)."""

import itertools
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from passnum.audit.models import JournalEntry
from passnum.organisations.middleware import SESSION_KEY
from passnum.organisations.models import Membership, Role
from passnum.people.models import Beneficiary
from passnum.programme.models import Vintage
from reporting.models import Report
from reporting.summaries import summaries_refresh
from reporting.tables import BREAKDOWNS

pytestmark = pytest.mark.django_db

OBSERVER = "etat@demo.passnum.fr"

ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def _leaves(resolver, prefix=""):
    """Every leaf pattern of the URLconf as (its full pattern text, its view)."""
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from _leaves(entry, text)
        elif isinstance(entry, URLPattern):
            yield text, entry.callback


def _urls(text, ints, strings):
    """The URLs of one pattern, its placeholders filled with every candidate."""
    slots, pieces, last = [], [], 0
    for match in itertools.chain(ROUTE_PARAM.finditer(text), REGEX_GROUP.finditer(text)):
        slots.append(match)
    slots.sort(key=lambda m: m.start())
    choices = []
    for match in slots:
        pieces.append(text[last : match.start()])
        last = match.end()
        if match.re is REGEX_GROUP:
            options = [o for o in match.group("body").split("|") if re.fullmatch(r"[\w-]+", o)]
            choices.append(options[:2] or strings)
        elif match.group("converter") == "int":
            choices.append(ints)
        else:
            choices.append(strings)
    pieces.append(text[last:])
    for combination in itertools.product(*choices):
        url = pieces[0]
        for value, piece in zip(combination, pieces[1:], strict=True):
            url += str(value) + piece
        yield "/" + url.replace("\\", "")


@pytest.fixture
def world():
    """The demo, its tallies, and a finished whole-programme report to download."""
    from django.core.files.base import ContentFile

    from passnum.site.demo import demo_load

    ctx = demo_load()
    summaries_refresh()
    manager = Membership.objects.get(user__email="gestionnaire@demo.passnum.fr")
    vintage = Vintage.objects.order_by("-year").first()
    report = Report.objects.create(
        period_start=vintage.valid_from, period_end=vintage.valid_from,
        organisation=manager.organisation, created_by=manager.user, status=Report.Status.DONE,
    )  # fmt: skip
    report.file.save("rapport.pdf", ContentFile(b"%PDF-1.4 figures"), save=True)
    return ctx


def _observer_client(client):
    membership = Membership.objects.get(user__email=OBSERVER)
    assert membership.role == Role.STATE_OBSERVER

    def logged_in():
        client.force_login(membership.user)
        session = client.session
        session[SESSION_KEY] = membership.pk
        session.save()
        return client

    return logged_in


def _row_counts() -> dict[str, int]:
    """The row count of every table but the sessions', in one query."""
    models = [
        m for m in apps.get_models() if m is not Session and not m._meta.proxy and m._meta.managed
    ]
    tables = sorted({m._meta.db_table for m in models})
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _personal_data() -> list[str]:
    """What would name a person of the demo: names (both orders), phones, e-mails."""
    found = []
    for b in Beneficiary.objects.exclude(last_name=""):
        found += [f"{b.first_name} {b.last_name}", f"{b.last_name} {b.first_name}"]
        if b.phone:
            found += [b.phone, re.sub(r"\D", "", b.phone)]
        if b.email:
            found.append(b.email)
    return [f for f in found if len(f) >= 6]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="ignore")


def test_the_observer_reads_every_url_without_writing_or_seeing_a_person(world, client):
    login = _observer_client(client)
    ints = sorted(
        {1, 2, Report.objects.get().pk} | set(Vintage.objects.values_list("year", flat=True))
    )
    strings = ["x", *BREAKDOWNS]
    personal = _personal_data()
    assert len(personal) > 20  # the demo has people with names, phones and e-mails

    urls, first_of_each = [], []
    for text, view in _leaves(get_resolver()):
        mine = []
        for url in _urls(text, ints, strings):
            try:
                if resolve(url).func is view:
                    mine.append(url)
            except Resolver404:
                continue
        urls += mine
        first_of_each += mine[:1]
    assert len(first_of_each) > 150

    # GET: never a person, never a write (the journal keeps the reads it must keep: the
    # download of a report).
    before = _row_counts()
    journal_before = JournalEntry.objects.count()
    read = []
    for url in urls:
        response = login().get(url)
        assert response.status_code < 500, url
        if response.status_code == 200:
            read.append(url)
            body = _body(response)
            shown = [p for p in personal if p in body]
            assert not shown, f"{url} shows {shown[:3]}"
    after = _row_counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    # allauth records the observer's own address the first time its e-mail page is read: the
    # person's own account, not the programme's data.
    own_address = EmailAddress._meta.db_table
    assert set(changed) <= {JournalEntry._meta.db_table, own_address}, changed
    assert set(EmailAddress.objects.values_list("user__email", flat=True)) <= {OBSERVER}
    assert set(
        JournalEntry.objects.order_by("id")[journal_before:].values_list("action", flat=True)
    ) <= {"reporting.report.downloaded"}
    # What the observer reads: the dashboard, its breakdowns, the reconciliation, the reports.
    for page in ["/pilotage/", "/pilotage/rapports/", "/cheques/millesimes/"]:
        assert page in read
    assert any(u.startswith("/pilotage/tableaux/") for u in read)
    assert any(re.fullmatch(r"/cheques/millesimes/\d+/", u) for u in read)
    assert not any(u.startswith(("/orientation/", "/pilotage/exports/")) for u in read)

    # POST to one URL of every pattern and to every page read; PUT, PATCH and DELETE to the
    # pages read: nothing is written anywhere.
    before = _row_counts()
    for url in dict.fromkeys(first_of_each + read):
        for method in ("post", "put", "patch", "delete") if url in read else ("post",):
            response = getattr(login(), method)(url, {})
            assert response.status_code < 500, (method, url)
            after = _row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{method.upper()} {url} wrote {changed}"


# --- The observer's pages, on the small programme (conftest) -------------------------------------


@pytest.fixture
def observer(small, login):
    from tests.factories import state_observer_membership

    summaries_refresh(as_of=small.today)
    return login(state_observer_membership())


def test_the_observer_sees_the_whole_programme_s_figures_read_only(observer, small):
    response = observer.get("/pilotage/")
    assert response.context["funnel"]["bought"] == 8  # every envelope, as a manager
    html = response.content.decode()
    assert "Export détaillé" not in html and "Mettre à jour les chiffres" not in html
    assert "/pilotage/radar/" not in html  # the radar's lists carry the coordinators' actions
    # The EPCI filter is the observer's to choose, as a manager's.
    response = observer.get("/pilotage/", {"epci": small.epci_a.pk})
    assert response.context["funnel"]["bought"] == 2


def test_the_observer_reads_the_reconciliation_of_every_envelope(observer, small):
    response = observer.get(f"/cheques/millesimes/{small.vintage.year}/")
    assert response.context["figures"]["chequebooks"] == 8
    assert response.context["can_lift"] is False


def test_the_observer_reads_reports_but_asks_for_none(observer, small):
    response = observer.get("/pilotage/rapports/")
    assert response.context["form"] is None
    assert "Produire le rapport" not in response.content.decode()
    response = observer.post(
        "/pilotage/rapports/", {"period_start": "2026-01-01", "period_end": "2026-01-31"}
    )
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_the_observer_has_no_detailed_export_no_radar_no_person(observer, small):
    assert observer.post("/pilotage/exports/", {"format": "csv"}).status_code == 404
    assert observer.get("/pilotage/radar/stock/").status_code == 404
    assert observer.get("/orientation/personnes/").status_code == 404


def test_the_roles_rule_needs_a_state_service():
    from types import SimpleNamespace

    from passnum.organisations.models import OrganisationKind
    from passnum.organisations.roles import is_state_observer, reads_figures, sees_whole_programme

    def member(kind, active=True):
        return SimpleNamespace(
            is_active=active, role=Role.STATE_OBSERVER, organisation=SimpleNamespace(kind=kind)
        )

    assert is_state_observer(member(OrganisationKind.STATE))
    assert sees_whole_programme(member(OrganisationKind.STATE))
    assert reads_figures(member(OrganisationKind.STATE))
    assert not is_state_observer(member(OrganisationKind.FRONT_DESK))
    assert not is_state_observer(member(OrganisationKind.STATE, active=False))
