"""Model rows read and written by hand-written SQL on the hall's hot paths.

The device API answers every issue, call, start and finish in a few milliseconds, and the
ORM's building and compiling of a query costs ten to twenty times what SQLite takes to run
it. The hot paths therefore write their statements once, as plain SQL that runs on SQLite
and PostgreSQL alike, and use these helpers to turn the rows into model instances with the
ORM's own converters (aware datetimes on SQLite, JSON decoded), and to insert an instance
with the ORM's own preparation of each value (field defaults, ``auto_now_add``, JSON).

Only the column lists and converters are computed here, once per model and connection;
which rows are read or written, and with which locks, stays with the caller.

The statements themselves run through :func:`fetchone`, :func:`fetchall` and
:func:`execute`: on the driver's own cursor, with Django's translation of database errors
and its check for a broken transaction, but not through Django's four cursor layers and
its rewriting of the placeholders on every call (16 µs a statement against 1.6 µs; an
issued ticket runs ten). When Django logs queries (DEBUG, or a test counting them) or
an execute wrapper is installed, they take Django's cursor, so nothing is hidden from
either.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import weakref
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import DEFERRED

# Django's SQLite backend rewrites "format" placeholders (%s) into sqlite3's "qmark" (?) on
# every statement (SQLiteCursorWrapper.convert_query); here once per statement text.
_FORMAT_MARK = re.compile(r"(?<!%)%s")


@functools.cache
def _fields(model: type[models.Model], names: tuple[str, ...] | None = None) -> tuple:
    fields = model._meta.concrete_fields
    if names is None:
        return tuple(fields)
    # In the model's order, which from_db expects; the primary key always.
    return tuple(f for f in fields if f.primary_key or f.name in names or f.attname in names)


@functools.cache
def columns(model: type[models.Model], alias: str = "", names: tuple | None = None) -> str:
    """The columns of ``model`` (all, or the fields ``names`` and the primary key),
    qualified by ``alias`` if given, in the order :func:`instance` reads them."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{field.column}"' for field in _fields(model, names))


# Per connection object (one per thread): the backend's converters are its methods.
_CONVERTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _converters(model: type[models.Model], names: tuple[str, ...] | None, conn) -> tuple:
    found = _CONVERTERS.setdefault(conn, {})
    key = (model, names)
    if key not in found:
        # The converters the ORM's compiler applies to each selected column (compiler.py,
        # get_converters): the backend's first, then the field's own (from_db_value).
        result = []
        for index, field in enumerate(_fields(model, names)):
            col = field.get_col(model._meta.db_table)
            these = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            if these:
                result.append((index, col, tuple(these)))
        found[key] = tuple(result)
    return found[key]


@functools.cache
def _places(model: type[models.Model], names: tuple[str, ...]) -> tuple:
    """For each of the model's fields, its place in a row of the fields ``names``, or None
    where it is deferred."""
    places = {field: index for index, field in enumerate(_fields(model, names))}
    return tuple(places.get(field) for field in model._meta.concrete_fields)


def width(model: type[models.Model], names: tuple[str, ...] | None = None) -> int:
    """How many values of a row :func:`instance` takes for ``model``."""
    return len(_fields(model, names))


def connection():
    """The thread's connection itself (the default database's wrapper).

    Looked up once by each helper here and handed down, and by a hot path that runs
    several statements, which passes it to them: each attribute read through
    django.db.connection (a proxy) looks the thread's connection up again (1 µs, in
    asgiref's context-local storage), and the fields' preparation reads several (a
    third of preparing an entry's 14 values)."""
    return connections[DEFAULT_DB_ALIAS]


@functools.lru_cache(maxsize=1024)
def _qmark(sql: str) -> str:
    return _FORMAT_MARK.sub("?", sql).replace("%%", "%")


def _run(sql: str, params: Sequence, fetch: Callable, conn=None):
    if conn is None:
        conn = connection()
    if conn.queries_logged or conn.execute_wrappers:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
    if conn.connection is None:
        conn.ensure_connection()
    conn.validate_no_broken_transaction()
    if conn.vendor == "sqlite":
        sql = _qmark(sql)
    with conn.wrap_database_errors:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, params)
            return fetch(cursor)
        finally:
            cursor.close()


def fetchone(sql: str, params: Sequence = (), conn=None) -> tuple | None:
    """The first row of ``sql`` (placeholders ``%s``) run with ``params``, or None; on
    ``conn`` if given (:func:`connection`)."""
    return _run(sql, params, _first_row, conn)


def fetchall(sql: str, params: Sequence = (), conn=None) -> list[tuple]:
    """Every row of ``sql`` (placeholders ``%s``) run with ``params``."""
    return _run(sql, params, _all_rows, conn)


def execute(sql: str, params: Sequence = (), conn=None) -> int:
    """Run ``sql`` (placeholders ``%s``) with ``params``; the count of rows it changed."""
    return _run(sql, params, _row_count, conn)


def _first_row(cursor) -> tuple | None:
    return cursor.fetchone()


def _all_rows(cursor) -> list[tuple]:
    return cursor.fetchall()


def _row_count(cursor) -> int:
    return cursor.rowcount


def _last_row_id(cursor) -> int:
    return cursor.lastrowid


def _returned_key(cursor) -> int:
    return cursor.fetchone()[0]


def instance(model: type[models.Model], row, names: tuple[str, ...] | None = None, conn=None):
    """The instance of ``model`` whose columns (as :func:`columns` lists them) are ``row``.
    With ``names``, the other fields are deferred: read from the database if asked for."""
    values = list(row)
    conn = conn or connection()
    for index, col, converters in _converters(model, names, conn):
        value = values[index]
        for converter in converters:
            value = converter(value, col, conn)
        values[index] = value
    if names is not None:
        # Every field's value, a deferred one marked as such (what from_db would make of the
        # names, by a search of them for each field).
        values = [DEFERRED if place is None else values[place] for place in _places(model, names)]
    return model.from_db(conn.alias, None, values)


def instances(row, *models_, conn=None) -> list:
    """The instances of ``models_`` whose columns, one model after the other, are ``row``:
    a join's row. Each of ``models_`` is a model, or (model, names) for some of its fields.
    A model whose primary key is NULL (an outer join that found nothing) is None."""
    conn = conn or connection()
    found, start = [], 0
    for spec in models_:
        model, names = spec if isinstance(spec, tuple) else (spec, None)
        end = start + width(model, names)
        part = row[start:end]
        pk_index = _fields(model, names).index(model._meta.pk)
        found.append(None if part[pk_index] is None else instance(model, part, names, conn))
        start = end
    return found


@functools.cache
def _new_spec(model: type[models.Model]) -> tuple:
    return tuple((field.attname, field.get_default) for field in _fields(model))


def new(model: type[models.Model], **values) -> models.Model:
    """``model(**values)``, with the fields named by their attnames (``queue_id``): each
    field not given at its default, as Model.__init__ sets it, but through __init__'s way
    for values given in order, which skips its checks of each keyword: a new ticket (21
    fields) cost 141 thousand instructions by keyword, 112 thousand this way (callgrind)."""
    args = [
        values.pop(attname) if attname in values else default()
        for attname, default in _new_spec(model)
    ]
    if values:
        raise TypeError(f"{model.__name__} has no fields {', '.join(sorted(values))}")
    return model(*args)


def attach(obj: models.Model, name: str, related: models.Model | None) -> None:
    """Give ``obj`` its related object ``name`` (a foreign key), as select_related does."""
    obj._meta.get_field(name).set_cached_value(obj, related)


# Fields whose value, when it is None or exactly of this type, the ORM's preparation for
# saving hands to the driver unchanged on SQLite and PostgreSQL: a text for a CharField, an
# int for an IntegerField or a foreign key to an integer key, a bool for a BooleanField.
# Exact classes only, so that a field class that prepares its values otherwise (an
# encrypted field, say) always takes the ORM's way.
_PLAIN_TYPES = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
}


def _plain_type(field: models.Field) -> type | None:
    """The type whose values ``field`` saves unchanged, or None: prepare them the ORM's way."""
    if type(field).pre_save is not models.Field.pre_save:
        return None  # auto_now_add and the like set the value while saving
    if type(field) is models.ForeignKey:
        return _plain_type(field.target_field)
    return _PLAIN_TYPES.get(type(field))


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, tuple, Callable]:
    """The INSERT of a row of ``model``, its fields after the key, and how the new key is
    read: on SQLite the rowid the driver keeps (an automatic key is the rowid), since
    RETURNING made SQLite build and drop a temporary table for every row."""
    fields = tuple(field for field in _fields(model) if not field.primary_key)
    names = ", ".join(f'"{field.column}"' for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})'  # noqa: S608
    key = _last_row_id
    if vendor != "sqlite":
        sql, key = f'{sql} RETURNING "{model._meta.pk.column}"', _returned_key
    return sql, tuple((field, field.attname, _plain_type(field)) for field in fields), key


# Fields whose preparation for saving leaves None as it is, on both backends (their
# adapters' first test): a ticket's moments not yet come (called, started, finished) are
# three of the values of every new ticket. Exact classes only, as above.
_NONE_STAYS_NONE = frozenset({models.DateField, models.DateTimeField})


def _prepared(fields: tuple, values, conn) -> list:
    """``values`` (one per field of ``fields``, as _insert_sql or _update_sql lists them)
    prepared for saving as ``field.get_db_prep_save`` makes them: plain values as they are,
    the others the ORM's way."""
    prepared = []
    for (field, _attname, plain), value in zip(fields, values, strict=True):
        if plain is not None and (value is None or type(value) is plain):
            prepared.append(value)
        elif value is None and type(field) in _NONE_STAYS_NONE:
            prepared.append(None)
        elif type(value) is dt.datetime and value.tzinfo and type(field) is models.DateTimeField:
            # What DateTimeField.get_db_prep_save comes to for an aware moment, without
            # its checks for naive ones: every issue, call and ledger entry saves two.
            prepared.append(conn.ops.adapt_datetimefield_value(value))
        else:
            prepared.append(field.get_db_prep_save(value, conn))
    return prepared


def _saved_values(obj: models.Model, fields: tuple, conn, add: bool) -> list:
    """The values of ``obj``'s ``fields`` prepared for saving, as
    ``field.get_db_prep_save(field.pre_save(obj, add))`` makes them."""
    # A plain field's pre_save is the attribute itself (see _plain_type).
    values = [
        getattr(obj, attname) if plain is not None else field.pre_save(obj, add)
        for field, attname, plain in fields
    ]
    return _prepared(fields, values, conn)


def insert(obj: models.Model, conn=None) -> models.Model:
    """INSERT ``obj`` (a model with an automatic primary key) in one statement, as
    ``save(force_insert=True)`` would, without signals; ``obj`` gets its primary key."""
    conn = conn or connection()
    sql, fields, key = _insert_sql(type(obj), conn.vendor)
    obj.pk = _run(sql, _saved_values(obj, fields, conn, True), key, conn)
    obj._state.adding = False
    obj._state.db = conn.alias
    return obj


def insert_values(model: type[models.Model], values: Sequence, conn=None) -> int:
    """INSERT a row of ``model`` (with an automatic primary key) from ``values``, one per
    field after the key in the model's order, prepared as :func:`insert` prepares an
    instance's (a field's default or ``auto_now_add`` is not applied: pass the value);
    the new primary key. For a hot path that needs no instance: building one costs more
    than the statement."""
    conn = conn or connection()
    sql, fields, key = _insert_sql(model, conn.vendor)
    return _run(sql, _prepared(fields, values, conn), key, conn)


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple:
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f'"{field.column}" = %s' for field in fields)
    table, pk = model._meta.db_table, model._meta.pk.column
    sql = f'UPDATE "{table}" SET {assignments} WHERE "{pk}" = %s'  # noqa: S608
    return sql, tuple((field, field.attname, _plain_type(field)) for field in fields)


def update(obj: models.Model, *names: str) -> None:
    """UPDATE the fields ``names`` of ``obj``'s row in one statement, as
    ``save(update_fields=names)`` would, without signals."""
    conn = connection()
    sql, fields = _update_sql(type(obj), names, conn.vendor)
    _run(sql, [*_saved_values(obj, fields, conn, False), obj.pk], _row_count, conn)


def update_values(model: type[models.Model], pk, conn=None, /, **values) -> None:
    """UPDATE the fields named in ``values`` of ``model``'s row ``pk``, as :func:`update`
    would, without an instance; on ``conn`` if given."""
    conn = conn or connection()
    sql, fields = _update_sql(model, tuple(values), conn.vendor)
    _run(sql, [*_prepared(fields, values.values(), conn), pk], _row_count, conn)
