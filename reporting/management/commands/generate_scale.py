# ruff: noqa: E501  (long tuples of generated rows read better on one line)
"""Generate a programme at national scale on PostgreSQL, for the reporting benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passnum_bench_reporting \\
        manage.py generate_scale --cheques 2000000

Realistic spread: 150 front desks (a third on the CD12 side, the rest in the partner EPCI),
40 mediators with a place each, four vintages (2020-2022 and the current year), chequebooks
handed out over the vintage's months, a share never handed out or left at a desk, about 40 %
of handed-out chequebooks never started, cheques of past vintages expired when unused,
redemptions on monthly statements (paid for months before the last one), one referral and
one or two assessments per person; the person takes part in the activity of their redemptions
(its autonomy level noted or not) and half of them in a later session too (the impact
figures' progress). Rows are written with COPY (psycopg ``cursor.copy()``).
The data is invented; it refuses to run on anything but PostgreSQL, and wipes what an
earlier run generated (organisations named "[échelle] ...").
"""

import datetime
import json
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from chequebooks.models import Cheque, Chequebook, ChequebookState, ChequeState
from chequebooks.states import UNREDEEMED_STATES
from mediation.models import Activity, Redemption, RedemptionSubmission, Statement, StatementStatus
from orientation.models import Assessment, Questionnaire, Referral, ReferralState
from passnum.accounts.models import User
from passnum.core.dates import month_start, previous_month
from passnum.directory.models import Place
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.people.models import Beneficiary
from passnum.programme.models import Envelope, TargetPublic
from passnum.programme.services import programme_load_aveyron, vintage_defaults
from passnum.territory.models import Commune, Epci, Side

PREFIX = "[échelle] "
#: Autonomy noted at a session (``mediation.models.ProgressLevel``), or none.
PROGRESS = ["", "guided", "autonomous_with_help", "autonomous"]
LEVELS = [(0, "debutant", "Débutant"), (6, "intermediaire", "Intermédiaire"), (12, "autonome", "Autonome")]  # fmt: skip


def _copy(model, columns, rows):
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table; the other NOT NULL
    columns get the field's Python default, so that fields added later do not break this."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    extra = []
    for name, f in fields.items():
        if name in columns or f.primary_key and name in columns or f.null:
            continue
        if name == "id":
            continue
        default = f.get_default()
        if isinstance(default, list | dict):
            default = json.dumps(default)
        extra.append((f.column, default))
    cols = [fields[c].column for c in columns] + [c for c, _ in extra]
    tail = tuple(v for _, v in extra)
    sql = f"COPY {model._meta.db_table} ({', '.join(cols)}) FROM STDIN"
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
                n += 1
    return n


def _next_id(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def _reset_sequence(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


class Command(BaseCommand):
    help = "Génère un programme à l'échelle nationale (PostgreSQL uniquement) pour les mesures."

    def add_arguments(self, parser):
        parser.add_argument("--cheques", type=int, default=2_000_000)
        parser.add_argument("--seed", type=int, default=12)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_scale ne fonctionne que sur PostgreSQL (COPY).")
        rnd = random.Random(options["seed"])
        started = time.monotonic()
        total_books = options["cheques"] // 10
        with transaction.atomic():
            self._wipe()
            ctx = self._foundation(rnd)
            self._generate(rnd, ctx, total_books)
        for model in (Chequebook, Cheque, Beneficiary, Activity, RedemptionSubmission,
                      Redemption, Referral, Assessment, Statement):  # fmt: skip
            _reset_sequence(model)
        with connection.cursor() as cursor:
            # As autovacuum leaves a live database: statistics, and the visibility map that
            # lets the radar's live counts read their index only (chequebook_idle_stock,
            # referral_overdue) instead of the rows.
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"Généré en {time.monotonic() - started:.0f} s.")

    def _wipe(self):
        """Empty the activity tables (this database is the benchmark's own) and remove the
        organisations an earlier run generated."""
        tables = [m._meta.db_table for m in (Redemption, RedemptionSubmission, Activity,
                  Statement, Referral, Assessment, Cheque, Chequebook, Beneficiary)]  # fmt: skip
        with connection.cursor() as c:
            c.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        Place.objects.filter(name__startswith=PREFIX).delete()
        Organisation.objects.filter(name__startswith=PREFIX).delete()

    def _foundation(self, rnd):
        programme = programme_load_aveyron()
        today = timezone.localdate()
        vintages = [vintage_defaults(programme=programme, year=y) for y in (2020, 2021, 2022)]
        vintages.append(vintage_defaults(programme=programme, year=today.year))
        user, _ = User.objects.get_or_create(
            email="echelle@passnum.invalid", defaults={"first_name": "Échelle", "last_name": "Test"}
        )
        partners = list(Epci.objects.filter(is_partner=True).order_by("name"))
        communes_by_epci = {}
        for c in Commune.objects.exclude(epci=None).values("pk", "epci_id"):
            communes_by_epci.setdefault(c["epci_id"], []).append(c["pk"])
        desks = []
        for i in range(150):
            if i < 50:
                epci = rnd.choice(partners)
                desks.append(Organisation(kind=OrganisationKind.FRONT_DESK, side=Side.CD12,
                                          name=f"{PREFIX}Accueil CD12 {i}", epci=None))  # fmt: skip
                desks[-1].home_epci = epci
            else:
                epci = partners[i % len(partners)]
                desks.append(Organisation(kind=OrganisationKind.FRONT_DESK, side=Side.EPCI,
                                          name=f"{PREFIX}Accueil EPCI {i}", epci=epci))  # fmt: skip
                desks[-1].home_epci = epci
        homes = [d.home_epci for d in desks]
        desks = Organisation.objects.bulk_create(desks)
        for d, home in zip(desks, homes, strict=True):
            d.home_epci = home
        mediators = Organisation.objects.bulk_create(
            Organisation(
                kind=OrganisationKind.MEDIATOR,
                name=f"{PREFIX}Médiateur {i}",
                epci=partners[i % len(partners)],
            )  # fmt: skip
            for i in range(40)
        )
        places = Place.objects.bulk_create(
            Place(
                organisation=m,
                name=f"{PREFIX}Lieu {i}",
                address="1 rue de test",
                commune_id=rnd.choice(communes_by_epci[m.epci_id]),
                postcode="12000",
            )  # fmt: skip
            for i, m in enumerate(mediators)
        )
        places_by_epci = {}
        for p, m in zip(places, mediators, strict=True):
            places_by_epci.setdefault(m.epci_id, []).append(p)
        questionnaire, _ = Questionnaire.objects.get_or_create(
            version=999, defaults={"title": "Questionnaire (échelle)", "is_published": True}
        )
        envelopes = {e.epci_id: e for e in Envelope.objects.all()}
        publics = {
            side: list(TargetPublic.objects.filter(side=side).values_list("pk", flat=True))
            for side in (Side.CD12, Side.EPCI)
        }
        return {
            "today": today, "vintages": vintages, "user": user, "desks": desks,
            "places_by_epci": places_by_epci, "all_places": places,
            "communes_by_epci": communes_by_epci, "questionnaire": questionnaire,
            "envelopes": envelopes, "publics": publics,
        }  # fmt: skip

    def _generate(self, rnd, ctx, total_books):
        today = ctx["today"]
        tz = timezone.get_current_timezone()
        user_id = ctx["user"].pk
        weights = [0.2, 0.25, 0.25, 0.3]
        book_id = _next_id(Chequebook)
        cheque_id = _next_id(Cheque)
        ben_id = _next_id(Beneficiary)
        act_id = _next_id(Activity)
        red_id = _next_id(Redemption)
        number0 = 50_000_000
        books, cheques, bens, acts, subs, reds, refs, assessments = [], [], [], [], [], [], [], []
        participants = []
        statements = {}
        now = timezone.now()

        def dt(day, hour=10):
            return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)

        for i in range(total_books):
            vintage = rnd.choices(ctx["vintages"], weights)[0]
            desk = rnd.choice(ctx["desks"])
            epci = desk.home_epci
            envelope = ctx["envelopes"][None if desk.side == Side.CD12 else epci.pk]
            past = vintage.valid_until < today
            last_day = min(vintage.valid_until, today)
            span = (last_day - vintage.valid_from).days
            roll = rnd.random()
            state = (
                ChequebookState.IN_STOCK if roll < 0.05
                else ChequebookState.AT_FRONT_DESK if roll < 0.20
                else ChequebookState.CANCELLED if roll < 0.22
                else ChequebookState.HANDED_OUT
            )  # fmt: skip
            allocated = dt(
                vintage.valid_from + datetime.timedelta(days=rnd.randint(0, max(span - 30, 1)))
            )
            holder = desk.pk if state != ChequebookState.IN_STOCK else None
            handed_at = beneficiary = handed_by = None
            cheque_states = {
                ChequebookState.IN_STOCK: ChequeState.IN_STOCK,
                ChequebookState.AT_FRONT_DESK: ChequeState.AT_FRONT_DESK,
                ChequebookState.CANCELLED: ChequeState.CANCELLED,
                ChequebookState.HANDED_OUT: ChequeState.HANDED_OUT,
            }
            states = [cheque_states[state]] * 10
            if past:  # a vintage that ended: its unredeemed cheques expired
                states = [ChequeState.EXPIRED if s in UNREDEEMED_STATES else s for s in states]
            if state == ChequebookState.HANDED_OUT:
                handed_day = allocated.date() + datetime.timedelta(days=rnd.randint(1, 60))
                handed_day = min(handed_day, last_day)
                handed_at = dt(handed_day, 14)
                beneficiary = ben_id
                ben_id += 1
                handed_by = desk.pk
                side = desk.side
                commune = rnd.choice(ctx["communes_by_epci"][epci.pk])
                public = rnd.choice(ctx["publics"][side])
                bens.append((beneficiary, f"Prénom{beneficiary}", f"Nom{beneficiary}", commune,
                             public, handed_at, "2020-01", desk.pk, user_id, handed_at, handed_at))  # fmt: skip
                u = rnd.random()
                used = 0 if u < 0.4 else 10 if u < 0.65 else rnd.randint(1, 9)
                local_places = ctx["places_by_epci"].get(epci.pk) or ctx["all_places"]
                place = rnd.choice(local_places)
                referral_state = (
                    ReferralState.PROPOSED if used == 0 and rnd.random() < 0.3
                    else ReferralState.COMPLETED if used == 10
                    else ReferralState.ACCEPTED
                )  # fmt: skip
                refs.append((beneficiary, place.pk, place.organisation_id, desk.pk, user_id, i + book_id,
                             referral_state, handed_at, handed_at))  # fmt: skip
                score = rnd.randint(0, 17)
                level = [lv for lv in LEVELS if lv[0] <= score][-1]
                assessments.append((beneficiary, ctx["questionnaire"].pk, "[]", score, level[1], level[2],
                                    10, "[]", desk.pk, user_id, handed_at))  # fmt: skip
                if rnd.random() < 0.1:
                    score2 = min(score + rnd.randint(0, 6), 20)
                    level2 = [lv for lv in LEVELS if lv[0] <= score2][-1]
                    assessments.append((beneficiary, ctx["questionnaire"].pk, "[]", score2, level2[1],
                                         level2[2], 10, "[]", desk.pk, user_id,
                                         handed_at + datetime.timedelta(days=90)))  # fmt: skip
                states = []
                if used:
                    activity = act_id
                    act_id += 1
                    red_day = min(
                        handed_day + datetime.timedelta(days=rnd.randint(3, 90)), last_day
                    )
                    acts.append((activity, place.organisation_id, place.pk, "individual", red_day, 90,
                                 "[]", user_id, dt(red_day), rnd.choice(PROGRESS), ""))  # fmt: skip
                    participants.append((activity, beneficiary))
                    if rnd.random() < 0.5:  # a later session, without redemption
                        later = min(red_day + datetime.timedelta(days=rnd.randint(7, 60)), last_day)
                        level = rnd.choice(PROGRESS)
                        step = rnd.choice(["another_session", "autonomous", ""])
                        acts.append((act_id, place.organisation_id, place.pk, "individual", later, 90,
                                     "[]", user_id, dt(later), level, step))  # fmt: skip
                        participants.append((act_id, beneficiary))
                        act_id += 1
                    subs.append(
                        (activity, f"scale-{activity}", place.organisation_id, user_id, dt(red_day))
                    )
                    month = red_day.replace(day=1)
                    last_month = today.replace(day=1)
                    key = (place.organisation_id, month)
                    if month < last_month and key not in statements:
                        statements[key] = None
                for pos in range(10):
                    if pos < used:
                        month = red_day.replace(day=1)
                        cs = ChequeState.REDEEMED
                        if month < month_start(today):
                            cs = (
                                ChequeState.PAID
                                if month < previous_month(today)
                                else ChequeState.ON_STATEMENT
                            )
                        states.append(cs)
                        reds.append((red_id, cheque_id + pos, place.organisation_id, beneficiary, activity,
                                     activity, key if cs != ChequeState.REDEEMED else None,
                                     vintage.face_value_cents, vintage.mediator_net_cents, user_id, dt(red_day, 15)))  # fmt: skip
                        red_id += 1
                    else:
                        states.append(ChequeState.EXPIRED if past else ChequeState.HANDED_OUT)
            number = number0 + book_id + i
            books.append((book_id + i, number, vintage.pk, envelope.pk, 10, state, holder,
                          allocated if holder else None, beneficiary, 0, handed_at, handed_by,
                          now))  # fmt: skip
            for pos, cs in enumerate(states, start=1):
                cheques.append((cheque_id, book_id + i, number * 100 + pos, pos, "", cs))
                cheque_id += 1
        self.stdout.write(
            f"{len(books)} chéquiers, {len(cheques)} chèques, {len(reds)} encaissements"
        )
        # Statements (ORM: a few thousand rows), then map keys to ids.
        stmt_objs = []
        next_number = (
            Statement.objects.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        last_month = today.replace(day=1)
        prev_month = (last_month - datetime.timedelta(days=1)).replace(day=1)
        for n, (mediator_id, month) in enumerate(sorted(statements)):
            paid = month < prev_month
            stmt_objs.append(Statement(
                number=next_number + n, mediator_id=mediator_id, period_start=month,
                status=StatementStatus.PAID if paid else StatementStatus.ISSUED,
                paid_at=(month + datetime.timedelta(days=45)) if paid else None,
            ))  # fmt: skip
        stmt_objs = Statement.objects.bulk_create(stmt_objs, batch_size=2000)
        stmt_ids = {(s.mediator_id, s.period_start): s.pk for s in stmt_objs}
        _copy(Beneficiary, ["id", "first_name", "last_name", "commune_id", "target_public_id",
                            "consent_at", "consent_text_version", "registered_by_organisation_id",
                            "registered_by_id", "created_at", "last_activity_at"], bens)  # fmt: skip
        _copy(Chequebook, ["id", "number", "vintage_id", "envelope_id", "cheque_count", "state",
                           "holder_id", "allocated_at", "beneficiary_id", "holding_rank",
                           "handed_out_at", "handed_out_by_organisation_id", "created_at"], books)  # fmt: skip
        _copy(Cheque, ["id", "chequebook_id", "number", "position", "code_hash", "state"], cheques)
        _copy(Activity, ["id", "mediator_id", "place_id", "kind", "date", "duration_minutes",
                         "themes", "created_by_id", "created_at", "progress_level", "next_step"],
              acts)  # fmt: skip
        _copy(Activity.participants.through, ["activity_id", "beneficiary_id"], participants)
        _copy(RedemptionSubmission, ["id", "token", "mediator_id", "user_id", "created_at"], subs)
        _copy(Redemption, ["id", "cheque_id", "mediator_id", "beneficiary_id", "activity_id",
                           "submission_id", "statement_id", "face_value_cents",
                           "mediator_net_cents", "redeemed_by_id", "redeemed_at"],
              ((r[:6] + (stmt_ids.get(r[6]) if r[6] else None,) + r[7:]) for r in reds))  # fmt: skip
        _copy(Referral, ["beneficiary_id", "place_id", "mediator_id", "from_organisation_id",
                         "created_by_id", "chequebook_id", "state", "created_at",
                         "state_changed_at"], refs)  # fmt: skip
        _copy(Assessment, ["beneficiary_id", "questionnaire_id", "answers", "score", "level_code",
                           "level_label", "suggested_cheques", "suggested_services",
                           "assessed_by_organisation_id", "assessed_by_id", "created_at"],
              assessments)  # fmt: skip
