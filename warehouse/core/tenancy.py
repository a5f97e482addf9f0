"""Organisations: every business row belongs to one, and every statement sees only the
current one's.

The current organisation is set once per request (from the signed-in user or the API
token: warehouse/web/security.py, warehouse/api/auth.py), by a CLI command for the
organisation it names, or by a test, and held in a context variable. The scoping is
applied here, not written into each query:

- ORM statements (select, update, delete; also in subqueries, joins and aliases) get
  `org_id = <current>` for every org-scoped entity they touch (`with_loader_criteria`,
  added in the session's `do_orm_execute` hook);
- Core statements on a connection (the ledger's prebuilt statements) get the same
  criterion for every org-scoped table they read or change, in the engine's
  `before_execute` hook; the scoped copy of a statement is built once and kept. A Core
  statement that reaches an org-scoped table where the hook cannot add the criterion (a
  subquery, say) is refused with UnscopedStatement: write it as an ORM query;
- new rows take the current organisation as their `org_id` (the column's default), in
  ORM flushes and Core INSERTs alike.

A statement about org-scoped rows with no current organisation is refused
(NoOrganisation): a service called outside a request must say whose rows it works on
(`acting_for`). The one exception is `identifying()`: signing in finds a user by name or
badge, and the API finds a token by its hash, before anyone knows the organisation.

PostgreSQL enforces the same rule a second time with row-level security (the migration
0012_organisations): on every transaction the app's connection sets `app.org_id` (and
`app.identifying`) with `set_config(..., true)`, which lasts until the transaction ends,
and works as the role `warehouse_app`, which does not own the tables, so the policies
apply to it whatever user DATABASE_URL names. SQLite has no row-level security: there
the scoping here is the only line.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy import ForeignKey, Integer, Table, bindparam, event, or_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, with_loader_criteria
from sqlalchemy.sql import Delete, Insert, Select, Update, visitors
from sqlalchemy.sql.selectable import Join

APP_ROLE = "warehouse_app"  # the PostgreSQL role the app works as (made by the migrations)

_current: ContextVar[int | None] = ContextVar("organisation", default=None)
_identifying: ContextVar[bool] = ContextVar("identifying", default=False)
_app_scoping: ContextVar[bool] = ContextVar("app_scoping", default=True)
_SCOPED_BY_ORM = "tenancy_scoped"  # execution option: the ORM hook scoped this statement


class NoOrganisation(RuntimeError):
    """A statement about org-scoped rows ran with no current organisation."""


class UnscopedStatement(RuntimeError):
    """A Core statement reaches an org-scoped table where no criterion can be added."""


# --- the current organisation -------------------------------------------------------


def current() -> int:
    org_id = _current.get()
    if org_id is None:
        raise NoOrganisation(
            "No organisation is set: run this inside a request, or inside tenancy.acting_for(org_id)."
        )
    return org_id


@contextmanager
def acting_for(org_id: int) -> Iterator[None]:
    """Everything inside works on this organisation's rows only."""
    token = enter(org_id)
    try:
        yield
    finally:
        leave(token)


def enter(org_id: int) -> Token:
    """For request hooks, which set the organisation in one function and end it in another."""
    if not isinstance(org_id, int) or isinstance(org_id, bool):
        raise TypeError(f"an organisation id is an int, not {org_id!r}")
    return _current.set(org_id)


def leave(token: Token) -> None:
    _current.reset(token)


@contextmanager
def without_organisation() -> Iterator[None]:
    """No current organisation inside (a worker between requests; tests of the refusal)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def identifying() -> Iterator[None]:
    """Signing in and token lookups: users and API tokens of every organisation are
    visible (to find whose they are); every other org-scoped row stays out of reach."""
    token = _identifying.set(True)
    try:
        yield
    finally:
        _identifying.reset(token)


@contextmanager
def without_app_scoping() -> Iterator[None]:
    """Tests only: switch the app-level scoping off, to show that PostgreSQL's row-level
    security alone still keeps organisations apart."""
    token = _app_scoping.set(False)
    try:
        yield
    finally:
        _app_scoping.reset(token)


# --- which tables are scoped ------------------------------------------------------------

_scoped_tables: dict[Table, bool] = {}  # table -> has shared rows (org_id NULL, seen by all)


class _OrgColumn:
    __shared_rows__ = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            _scoped_tables[table] = cls.__shared_rows__


class OrgScoped(_OrgColumn):
    """Mixin for every business table: its rows belong to one organisation."""

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), default=current)


class OrgScopedIdentity(_OrgColumn):
    """Mixin for users and API tokens: one organisation's, but found across all of them
    while identifying (signing in names no organisation)."""

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), default=current)


class OrgScopedWithSharedRows(_OrgColumn):
    """Mixin for a table some of whose rows (org_id NULL) every organisation shares: the
    "no lot" row, which every balance without a lot points at."""

    __shared_rows__ = True
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), default=current)


def scoped_tables() -> dict[Table, bool]:
    return dict(_scoped_tables)


# --- the criteria -------------------------------------------------------------------------

# The organisation is a bound parameter whose value is read when a statement runs: every
# scoped statement is built once and kept, and a statement that reaches an org-scoped
# table with no current organisation fails there (NoOrganisation), wherever the table is.
_ORG = bindparam("tenancy_org", callable_=current, type_=Integer)

_OWN_ROWS = with_loader_criteria(OrgScoped, lambda cls: cls.org_id == _ORG, include_aliases=True)
_OWN_AND_SHARED_ROWS = with_loader_criteria(
    OrgScopedWithSharedRows, lambda cls: or_(cls.org_id == _ORG, cls.org_id.is_(None)), include_aliases=True
)
_OWN_PEOPLE = with_loader_criteria(OrgScopedIdentity, lambda cls: cls.org_id == _ORG, include_aliases=True)
_ORM_OPTIONS = (_OWN_ROWS, _OWN_AND_SHARED_ROWS, _OWN_PEOPLE)
_ORM_OPTIONS_IDENTIFYING = (_OWN_ROWS, _OWN_AND_SHARED_ROWS)  # users and tokens of all


def _orm_options() -> tuple:
    return _ORM_OPTIONS_IDENTIFYING if _identifying.get() else _ORM_OPTIONS


# --- the ORM hook (sessions) ---------------------------------------------------------------


def _scope_orm(state) -> None:
    if not _app_scoping.get() or not state.is_orm_statement:
        return  # a Core statement: the Core hook scopes it on its connection
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the statement that loaded the object travel with it
    # Kept per statement, like the Core hook's: a prebuilt query is scoped once, and its
    # cache key is computed once, not on every execution.
    variants = _orm_variants_identifying if _identifying.get() else _orm_variants
    statement = state.statement
    scoped = variants.get(statement)
    if scoped is None:
        scoped = variants[statement] = statement.options(*_orm_options())
    state.statement = scoped
    state.update_execution_options(**{_SCOPED_BY_ORM: True})


_orm_variants: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_orm_variants_identifying: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# --- the Core hook (connections) -----------------------------------------------------------

_variants: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_variants_identifying: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scope_core(conn, element, multiparams, params, execution_options):
    if (
        isinstance(element, (Select, Update, Delete, Insert))
        and not execution_options.get(_SCOPED_BY_ORM)
        and _app_scoping.get()
    ):
        variants = _variants_identifying if _identifying.get() else _variants
        scoped = variants.get(element)
        if scoped is None:
            scoped = variants[element] = _scoped(element)
        element = scoped
    return element, multiparams, params


def _scoped(statement):
    if statement._propagate_attrs.get("compile_state_plugin") == "orm":
        # Built from mapped classes (a prebuilt query run on the connection for speed):
        # the same criteria as in a session, applied when it compiles.
        return statement.options(*_orm_options()) if not isinstance(statement, Insert) else statement
    return _with_org_criteria(statement)


def _with_org_criteria(statement):
    """The statement with `org_id = :tenancy_org` for each org-scoped table it reads or
    changes (the value is read from the current organisation at execution)."""
    if isinstance(statement, Insert):
        _refuse_hidden_tables(statement, {statement.table._deannotate()})  # org_id: the default
        return statement
    if isinstance(statement, (Update, Delete)):
        tables = [statement.table._deannotate()]
    else:
        tables = [t._deannotate() for f in statement.get_final_froms() for t in _tables_of(f)]
    scoped = [t for t in tables if t in _scoped_tables]
    _refuse_hidden_tables(statement, set(scoped))
    for table in scoped:
        statement = statement.where(_criterion(table))
    return statement


def _criterion(table: Table):
    if _scoped_tables[table]:
        return or_(table.c.org_id == _ORG, table.c.org_id.is_(None))
    return table.c.org_id == _ORG


def _tables_of(from_clause) -> list:
    if isinstance(from_clause, Join):
        return _tables_of(from_clause.left) + _tables_of(from_clause.right)
    return [from_clause]


def _refuse_hidden_tables(statement, covered: set) -> None:
    for element in visitors.iterate(statement):
        element = element._deannotate() if isinstance(element, Table) else element
        if isinstance(element, Table) and element in _scoped_tables and element not in covered:
            raise UnscopedStatement(
                f"A Core statement reaches {element.name} in a subquery or INSERT .. SELECT, "
                "where its organisation cannot be added: write it as an ORM query."
            )


# --- PostgreSQL: the role and the per-transaction setting ------------------------------

# The role again, for this transaction: a pooler that hands out server connections per
# transaction (PgBouncer's transaction mode) may give us one that never ran SET ROLE.
_SET = (
    f"SELECT set_config('role', '{APP_ROLE}', true), "
    "set_config('app.org_id', %s, true), set_config('app.identifying', %s, true)"
)


def _work_as_app_role(dbapi_conn, _record) -> None:
    """Every connection the pool makes works as warehouse_app, which does not own the
    tables, so row-level security applies to it. (SET ROLE is session state: the pool's
    rollback on return keeps it.)"""
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    with dbapi_conn.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    dbapi_conn.autocommit = autocommit


def _apply_setting(conn, cursor, statement, parameters, context, executemany) -> None:
    """Before a statement: the transaction's app.org_id is the current organisation. Set
    once per transaction (and again after the organisation changes, e.g. once an API
    token has said whose it is)."""
    wanted = (_current.get(), _identifying.get())
    if conn.info.get("tenancy_set") != wanted:
        cursor.execute(_SET, ("" if wanted[0] is None else str(wanted[0]), "on" if wanted[1] else ""))
        conn.info["tenancy_set"] = wanted


def _forget_setting(conn, *args) -> None:
    conn.info.pop("tenancy_set", None)


def install(engine: Engine, session_factory) -> None:
    """Scope every statement of this engine and of sessions made by `session_factory`."""
    if not event.contains(session_factory, "do_orm_execute", _scope_orm):  # one per process
        event.listen(session_factory, "do_orm_execute", _scope_orm)
    event.listen(engine, "before_execute", _scope_core, retval=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _work_as_app_role)
        event.listen(engine, "before_cursor_execute", _apply_setting)
        for ended in ("begin", "commit", "rollback", "rollback_savepoint"):
            event.listen(engine, ended, _forget_setting)


__all__ = [
    "APP_ROLE",
    "NoOrganisation",
    "OrgScoped",
    "OrgScopedIdentity",
    "OrgScopedWithSharedRows",
    "UnscopedStatement",
    "acting_for",
    "current",
    "enter",
    "identifying",
    "install",
    "leave",
    "scoped_tables",
    "without_app_scoping",
]
