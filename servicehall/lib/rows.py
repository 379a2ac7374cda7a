"""Model rows read and written by hand-written SQL on the hall's hot paths.

The device API answers every issue, call, start and finish in a few milliseconds, and the
ORM's building and compiling of a query costs ten to twenty times what SQLite takes to run
it. The hot paths therefore write their statements once, as plain SQL that runs on SQLite
and PostgreSQL alike, and use these helpers to turn the rows into model instances with the
ORM's own converters (aware datetimes on SQLite, JSON decoded), and to insert an instance
with the ORM's own preparation of each value (field defaults, ``auto_now_add``, JSON).

Only the columns lists and converters are computed here, once per model and database;
which rows are read or written, and with which locks, stays with the caller.
"""

from __future__ import annotations

import functools

from django.db import connection, models


@functools.cache
def _fields(model: type[models.Model]) -> tuple:
    return tuple(model._meta.concrete_fields)


@functools.cache
def columns(model: type[models.Model], alias: str = "") -> str:
    """Every column of ``model``, qualified by ``alias`` if given, in the order
    :func:`instance` reads."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{field.column}"' for field in _fields(model))


@functools.cache
def _converters(model: type[models.Model], vendor: str) -> tuple:
    # The converters the ORM's compiler applies to each selected column (compiler.py,
    # get_converters): the backend's first, then the field's own (from_db_value).
    result = []
    for index, field in enumerate(_fields(model)):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            result.append((index, col, tuple(found)))
    return tuple(result)


def width(model: type[models.Model]) -> int:
    """How many values of a row :func:`instance` takes for ``model``."""
    return len(_fields(model))


def instance(model: type[models.Model], row) -> models.Model:
    """The instance of ``model`` whose columns (as :func:`columns` lists them) are ``row``."""
    values = list(row)
    for index, col, converters in _converters(model, connection.vendor):
        value = values[index]
        for converter in converters:
            value = converter(value, col, connection)
        values[index] = value
    return model.from_db(connection.alias, None, values)


def instances(row, *models_: type[models.Model]) -> list:
    """The instances of ``models_`` whose columns, one model after the other, are ``row``:
    a join's row. A model whose primary key is NULL (an outer join that found nothing) is
    None."""
    found, start = [], 0
    for model in models_:
        end = start + width(model)
        part = row[start:end]
        pk_index = _fields(model).index(model._meta.pk)
        found.append(None if part[pk_index] is None else instance(model, part))
        start = end
    return found


def attach(obj: models.Model, name: str, related: models.Model | None) -> None:
    """Give ``obj`` its related object ``name`` (a foreign key), as select_related does."""
    obj._meta.get_field(name).set_cached_value(obj, related)


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, tuple]:
    fields = tuple(field for field in _fields(model) if not field.primary_key)
    names = ", ".join(f'"{field.column}"' for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    pk = model._meta.pk.column
    table = model._meta.db_table
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "{pk}"'  # noqa: S608
    return sql, fields


def insert(obj: models.Model) -> models.Model:
    """INSERT ``obj`` (a model with an automatic primary key) in one statement, as
    ``save(force_insert=True)`` would, without signals; ``obj`` gets its primary key."""
    sql, fields = _insert_sql(type(obj), connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple:
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f'"{field.column}" = %s' for field in fields)
    table, pk = model._meta.db_table, model._meta.pk.column
    return f'UPDATE "{table}" SET {assignments} WHERE "{pk}" = %s', fields  # noqa: S608


def update(obj: models.Model, *names: str) -> None:
    """UPDATE the fields ``names`` of ``obj``'s row in one statement, as
    ``save(update_fields=names)`` would, without signals."""
    sql, fields = _update_sql(type(obj), names, connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
