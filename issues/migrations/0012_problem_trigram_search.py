"""Trigram (pg_trgm) GIN indexes for keyword search and similar problems, PostgreSQL only.

`q` filters with `icontains`, which PostgreSQL runs as `UPPER(col) LIKE UPPER('%…%')`: the
indexes are on those very expressions, so a 3+ character search (Chinese included) is a bitmap
index scan instead of a scan of every row. issues.selectors.similar ranks with
`similarity(UPPER(title), …)` and prefilters with `%` on the same indexes. SQLite has no
pg_trgm: there the migration does nothing and search stays a plain LIKE.
"""

from django.db import migrations

COLUMNS = ("code", "title", "description")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS problem_{column}_trgm ON issues_problem "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS problem_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("issues", "0011_problem_recurrence")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
