"""Statements that run at the database's floor: prepared once per connection, sent together.

Django's PostgreSQL cursors bind parameters on the client and never prepare (its default
``prepare_threshold`` is None, for connection poolers in transaction mode). For the few hot
statements whose SQL is built once per process (the redemption's, see
mediation.services.redemption), ``prepared_cursor`` gives a Django cursor (same query log,
same error wrapping, same execute wrappers: the query-count tests see its statements) whose
statements are bound on the server and prepared on first use: PostgreSQL then parses and plans
them once per connection (``prepared_statements_setup``), instead of at every request.
``pipelined`` sends several statements in one round trip (psycopg's pipeline mode): in a
transaction, BEGIN goes with them.

Rule: only statements with a fixed text (their values as parameters) go through here, so the
number of prepared statements per connection stays small (psycopg keeps at most
``prepared_max`` of them, 100 by default). Behind a connection pooler in transaction mode,
PgBouncer 1.21 or later is needed (it tracks prepared statements); the deployment runs
without one."""

import contextlib
import functools

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper

#: psycopg's threshold of executions before it prepares a statement by itself: never, in
#: practice; ``PreparedCursor`` asks for every statement it runs.
ONLY_WHEN_ASKED = 2**31 - 1


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """psycopg's server-binding cursor, preparing every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Django's query log (DEBUG, tests) for prepared statements: each is logged as written,
    its parameters apart (psycopg does not keep a prepared statement's text with its
    values)."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return super(CursorDebugWrapper, self).execute(sql, params)


@contextlib.contextmanager
def prepared_cursor():
    """A Django cursor (PostgreSQL only) whose statements are bound on the server and
    prepared once per connection (see the module's rule)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("prepared_cursor: PostgreSQL only")
    connection.close_if_health_check_failed()  # Django's checks, as for any cursor
    connection.ensure_connection()  # prepared_statements_setup has run on a new connection
    raw = _prepared_cursor_class()(connection.connection)
    if connection.queries_logged:
        cursor = _PreparedDebugWrapper(raw, connection)
    else:
        cursor = connection.make_cursor(raw)
    with cursor:
        yield cursor


@contextlib.contextmanager
def pipelined():
    """Statements run inside this block travel together (one round trip, BEGIN included in
    a transaction); their results can be fetched once the block has ended. A database error
    raised at the end is Django's (IntegrityError, OperationalError…), as for one statement."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def prepared_statements_setup(sender, connection, **kwargs):
    """On each new PostgreSQL connection (Django's ``connection_created``), once: psycopg may
    prepare again, but only the statements that ask for it (``PreparedCursor``; Django's own
    cursors bind on the client and never prepare), and the prepared statements are planned
    once, generically (``plan_cache_mode``): PostgreSQL would otherwise plan again at every
    execution those whose generic plan it estimates dearer, such as a lookup of ``= ANY(%s)``
    (a millisecond each), whereas for indexed lookups the generic plan is the same. Only
    prepared statements are concerned, so nothing else changes."""
    if connection.vendor != "postgresql":
        return
    connection.connection.prepare_threshold = ONLY_WHEN_ASKED
    connection.connection.execute("SET plan_cache_mode = force_generic_plan")
