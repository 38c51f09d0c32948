"""`text_pairs` labelled PARALLEL RESTRICTED, PostgreSQL only: a query that filters by it plans
without parallel workers.

The function is as safe in a worker as before; the label is for the planner. A county office's
first search of a common two-character word (issues.selectors.problem_filter._pairs_q) is a
count over the pairs index and a walk of the newest problems; PostgreSQL gave both to two
workers, and starting and gathering them cost more than they shared out. At 1 000 000 problems
(公安, 15 053 matches, psql on the benchmark machine): the count 57-68 ms in parallel, 25-43 ms
without; the page 46 ms in parallel, 8-22 ms without (bench/README.md, "Problem list"). No
other query calls the function, so no other plan changes.
"""

from django.db import migrations


def restrict(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION text_pairs(text) PARALLEL RESTRICTED")


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION text_pairs(text) PARALLEL SAFE")


class Migration(migrations.Migration):
    dependencies = [("issues", "0022_problem_text_pairs")]

    operations = [migrations.RunPython(restrict, allow, elidable=False)]
