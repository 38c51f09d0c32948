"""Fast row writers for the data generator: PostgreSQL COPY, or executemany elsewhere.

Rows are plain tuples in a fixed column order, with Python values that both drivers accept
after a small per-column conversion: JSON columns arrive as JSON text, dates as `date`,
datetimes as aware `datetime`. Ids are assigned by the generator (so children can point at
parents without a round trip); `reset_sequences` moves the id sequences past them afterwards.
"""

import datetime as dt

from django.core.management.color import no_style
from django.db import connection, models


class TableWriter:
    """Buffers rows of one model and writes them batch by batch (one statement at a time, so
    writers of several tables can share the connection)."""

    def __init__(self, model, columns: list[str], batch_size: int = 5000):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{self.table}: unknown columns {sorted(unknown)}")
        # Columns the generator does not know (added later by someone else) get their default,
        # so a new nullable or defaulted field does not break the generator.
        extra = []
        for name, field in fields.items():
            if name in columns:
                continue
            if not (field.has_default() or field.null):
                raise ValueError(f"{self.table}.{name} has no default: teach the generator it")
            extra.append((name, field.get_db_prep_save(field.get_default(), connection)))
        self.extra_values = tuple(value for _, value in extra)
        names = list(columns) + [name for name, _ in extra]
        self.db_columns = [fields[name].column for name in names]
        self.batch_size = batch_size
        self.count = 0
        self._rows: list[tuple] = []
        self._postgres = connection.vendor == "postgresql"
        # Elsewhere, values are converted as Django would store them; defaults already are.
        self._converters = [_converter(fields[name]) for name in columns] + [None] * len(extra)

    def write(self, row: tuple) -> None:
        self._rows.append(row + self.extra_values if self.extra_values else row)
        self.count += 1
        if len(self._rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.db_columns)
        with connection.cursor() as cursor:
            if self._postgres:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    for row in self._rows:
                        copy.write_row(row)
            else:
                converters = self._converters
                rows = [
                    tuple(
                        v if c is None or v is None else c(v)
                        for v, c in zip(row, converters, strict=True)
                    )
                    for row in self._rows
                ]
                marks = ", ".join(["%s"] * len(self.db_columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})", rows
                )
        self._rows = []


def _converter(field):
    """How Django stores a value of this field on backends other than PostgreSQL."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return dt.date.isoformat
    if isinstance(field, models.BooleanField):
        return int
    if isinstance(field, models.DecimalField):
        return str
    return None


def next_ids(*models_) -> dict:
    """The first free id of each model's table (the generator assigns ids itself)."""
    result = {}
    for model in models_:
        top = model._base_manager.aggregate(top=models.Max("pk"))["top"] or 0
        result[model] = top + 1
    return result


def reset_sequences(*models_) -> None:
    """Move id sequences past the ids the generator wrote (no-op where ids are not sequences)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class IndexesDeferred:
    """On PostgreSQL, drop the secondary indexes of tables that are still empty and rebuild them
    at the end: one sorted build per index is several times faster than maintaining ~30
    indexes row by row over millions of rows (the ledger's random SHA-256 keys above all).

    Primary keys stay. Everything happens in the caller's transaction (DDL is transactional in
    PostgreSQL), so a failure leaves the schema as it was. Tables that already hold rows are
    left alone: their indexes must keep serving other readers.
    """

    def __init__(self, *models_, min_rows: int):
        self.models = models_
        self.enabled = connection.vendor == "postgresql" and min_rows >= 50_000
        self.constraints: list[tuple[str, str, str]] = []  # (table, name, definition)
        self.indexes: list[str] = []  # CREATE INDEX statements

    def __enter__(self):
        if not self.enabled:
            return self
        with connection.cursor() as cursor:
            for model in self.models:
                table = model._meta.db_table
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
                if cursor.fetchone()[0]:
                    continue
                # Unique constraints (not the primary key) are dropped as constraints.
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'u'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.constraints.append((table, name, definition))
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                    "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append(definition)
                    cursor.execute(f"DROP INDEX {name}")
            for table, name, _ in self.constraints:
                quote = connection.ops.quote_name
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.enabled:
            return False
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for table, name, definition in self.constraints:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            for definition in self.indexes:
                cursor.execute(definition)
        return False
