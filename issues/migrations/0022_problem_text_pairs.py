"""A GIN index of the character pairs of code, title and description, PostgreSQL only.

pg_trgm extracts no trigram from a two-character value, and 整改, 台账, 食堂 are what offices
type. Without this index an office that sees every problem answered such a search by reading the
whole table (~0.4 s at 1 000 000 problems for a word found nowhere, bench/README.md). `text_pairs`
returns a text's overlapping pairs ('台账记录' -> {台账, 账记, 记录}); a text contains a
two-character value exactly when the value is one of its pairs, so `@>` on this index answers
the same rows as LIKE (issues.selectors.problem_filter.text_q). The pairs are of the text as it
is: the index serves values without cased letters only (Chinese, digits).

Building it reads every problem: 2 min 12 s at 1 000 000 on the benchmark machine, writes to
the problem table waiting meanwhile. SQLite has nothing: there search stays a plain LIKE.
"""

from django.db import migrations

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION text_pairs(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT a || b FROM unnest(c[:cardinality(c) - 1], c[2:]) AS pair(a, b))
    FROM string_to_array(t, NULL) AS c
$$
"""

CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS problem_text_pairs ON issues_problem USING gin "
    "((text_pairs(code) || text_pairs(title) || text_pairs(description)))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    schema_editor.execute(CREATE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS problem_text_pairs")
    schema_editor.execute("DROP FUNCTION IF EXISTS text_pairs(text)")


class Migration(migrations.Migration):
    dependencies = [("issues", "0021_problem_reach")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
