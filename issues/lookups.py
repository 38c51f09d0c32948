"""Query helpers shared by selectors and the API."""

import datetime as dt

from django.db import connection
from django.db.models import Lookup


class AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter on PostgreSQL, IN elsewhere.

    `problem_id__in=ids` sends one placeholder per id, which Django prepares one by one, and
    psycopg parses a statement with more than 50 parameters anew every time (its statement
    cache stops there): the problem list's page of 50 ids paid both, and the ledger export's
    chunks of 1 000 ids were ~3.5x slower than with one array. Whole numbers (ids) travel as
    one array literal (pg_array): psycopg quotes a list element by element in Python."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if isinstance(self.rhs, IdsPlaceholder):  # CompiledByIds: an int list later
            return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            if all(type(v) is int for v in values):
                return f"{lhs} = ANY(%s::bigint[])", [*params, pg_array(values)]
            return f"{lhs} = ANY(%s)", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


class IdsPlaceholder(list):
    """Where CompiledByIds puts each run's ids (as AnyOf would send them)."""


def pg_array(values) -> str:
    """A PostgreSQL array literal ('{1,"a",2026-12-02,NULL}') to pass as one text parameter
    and cast (`%s::date[]`). psycopg adapts a Python list element by element in Python: for
    the reminder scan's arrays of 20 000 values that was 4x slower than joining this string;
    columns of one plain type are joined without a Python call per value."""
    values = list(values)
    if not values:
        return "{}"
    if all(type(v) is int for v in values):  # ids and levels: str() in C
        return "{" + ",".join(map(str, values)) + "}"
    if all(type(v) is dt.date for v in values):
        return "{" + ",".join(map(dt.date.isoformat, values)) + "}"
    if all(type(v) is str for v in values):
        joined = '","'.join(values)
        if '"' not in joined and "\\" not in joined:  # quoted, nothing to escape
            return '{"' + joined + '"}'
    return "{" + ",".join(_element(v) for v in values) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


class CompiledByIds:
    """A values query over a list of ids (filtered with AnyOf), compiled to SQL once per key
    and then run with each new list of ids.

    Compiling the problem list's row statement — its light, a CASE of some forty conditions —
    cost more CPU than PostgreSQL took to run it (~7 ms of a page of 50 on the Intel Xeon of
    bench/README.md, against ~1 ms for the statement). With the ids as one array parameter the
    text depends only on what `build` reads besides them, which the caller passes as `key`
    (e.g. today's date and the batches' thresholds). PostgreSQL only: elsewhere the ids are
    one parameter each, and the queryset simply runs."""

    MAX_KEYS = 16  # a new day or a changed threshold adds a key; old ones are dropped

    def __init__(self, build):
        self.build = build  # build(ids, *key) -> a values_list queryset using AnyOf(…, ids)
        self.compiled = {}

    def rows(self, ids: list, *key) -> list[tuple]:
        return rows_together(ids, (self, key))[0]

    def _entry(self, key) -> tuple:
        """(sql, params, the ids' position in params, compiler, converters)."""
        return self.compiled.get(key) or self._compile(key)

    def _compile(self, key):
        marker = IdsPlaceholder()
        queryset = self.build(marker, *key)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        positions = [i for i, param in enumerate(params) if param is marker]
        if len(positions) != 1:
            raise ValueError("build() must filter with AnyOf over the ids it is given, once")
        selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(selected)
        # Django 5.2 selects a values_list's columns in the order asked for, so rows come as
        # its iterable would give them (ValuesListIterable: results_iter, no reordering).
        entry = (sql, tuple(params), positions[0], compiler, converters)
        if len(self.compiled) >= self.MAX_KEYS:
            self.compiled.clear()
        self.compiled[key] = entry
        return entry


def rows_together(ids: list, *statements: tuple[CompiledByIds, tuple]) -> list[list[tuple]]:
    """The rows of each (CompiledByIds, key) over the same ids, in that order.

    On PostgreSQL in one round trip: the statements joined into one text, which a client-side
    binding cursor (Django's default) sends as one simple query, and their results read in
    turn. Each statement cost ~0.3 ms of wait and driver work besides PostgreSQL's own: the
    problem list's four, one by one, ~1 ms of a page that takes ~10 (bench/README.md). A
    server-side binding cursor takes one statement at a time, and gets them so."""
    if connection.vendor != "postgresql":
        return [list(compiled.build(list(ids), *key)) for compiled, key in statements]
    from psycopg import ClientCursor  # the PostgreSQL backend's driver

    entries = [compiled._entry(key) for compiled, key in statements]
    ids_param = pg_array(ids)
    texts, params = [], []
    for sql, entry_params, position, _, _ in entries:
        texts.append(sql)
        params.append([*entry_params[:position], ids_param, *entry_params[position + 1 :]])
    results = []
    with connection.cursor() as cursor:
        together = isinstance(cursor.cursor, ClientCursor)
        if together:
            cursor.execute(";\n".join(texts), [p for each in params for p in each])
        for n, (sql, _, _, compiler, converters) in enumerate(entries):
            if not together:
                cursor.execute(sql, params[n])
            elif n:
                cursor.nextset()
            rows = cursor.fetchall()
            if converters:
                rows = list(compiler.apply_converters(rows, converters))
            results.append(rows)
    return results
