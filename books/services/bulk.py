"""Inserting many rows of one model at once: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create builds a model instance per row and, on PostgreSQL, dumps every column
as an array in Python; in a 10 000-row list import that was most of the CPU. Here rows are
plain dicts of attribute values (`lead_unit_id`, not `lead_unit`); every field not given gets
its model default, and auto_now/auto_now_add fields the current time — the values
bulk_create would have written. No signals are sent (bulk_create sends none either).
"""

from typing import Literal, overload

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 1000


@overload
def bulk_insert(model, rows: list[dict], *, ids: Literal[True]) -> list[int]: ...
@overload
def bulk_insert(model, rows: list[dict], *, ids: Literal[False] = False) -> None: ...
def bulk_insert(model, rows: list[dict], *, ids: bool = False) -> list[int] | None:
    """Insert `rows`; with `ids`, return the new primary keys in the order of `rows`."""
    if not rows:
        return [] if ids else None
    if connection.vendor == "postgresql":
        return _copy(model, rows, ids)
    objects = [model(**row) for row in rows]
    model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return [obj.pk for obj in objects] if ids else None


def _copy(model, rows, ids):
    from psycopg.types.json import Jsonb

    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    now = timezone.now()
    constant, per_row = {}, []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constant[field.attname] = now
        elif field.has_default() and callable(field.default):
            per_row.append(field)  # e.g. JSONField(default=dict): a fresh value per row
        else:
            constant[field.attname] = field.get_default()
    is_json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f.column for f in fields]
    attnames = [f.attname for f in fields]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            # Reserve the keys from the table's own sequence: safe beside concurrent inserts.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            new_ids = sorted(row[0] for row in cursor.fetchall())
            columns = [pk.column, *columns]
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        raw = cursor.cursor  # psycopg's cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = []
                for name in attnames:
                    if name in row:
                        value = row[name]
                    elif name in constant:
                        value = constant[name]
                    else:
                        value = next(f for f in per_row if f.attname == name).get_default()
                    values.append(Jsonb(value) if name in is_json and value is not None else value)
                copy.write_row([new_ids[index], *values] if ids else values)
    return new_ids if ids else None
