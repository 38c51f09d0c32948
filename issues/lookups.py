"""Query helpers shared by selectors and the API."""

from django.db.models import Lookup


class AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter on PostgreSQL, IN elsewhere.

    `problem_id__in=ids` sends one placeholder per id, which Django prepares one by one, and
    psycopg parses a statement with more than 50 parameters anew every time (its statement
    cache stops there): the problem list's page of 50 ids paid both, and the ledger export's
    chunks of 1 000 ids were ~3.5x slower than with one array."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]
