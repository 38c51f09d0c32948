"""issues_problemreach: the units that see each problem directly, kept by triggers.

The scoped problem list reads a user's page and count from it (issues.selectors.scope.
visible_page). PostgreSQL keeps it with statement-level triggers (transition tables) on the
three sources — a problem's lead unit, its cooperating units, its measures' units — so every
write, whatever issues it, keeps it right; the rows already stored are copied over here.
Elsewhere the table stays empty: only PostgreSQL reads it.

Concurrency: a pair (problem, unit) is removed only when no source holds it any more. The
code that removes one first locks the pair's row (FOR UPDATE) and checks the sources in a
later statement; the code that adds one locks the same row (ON CONFLICT DO UPDATE locks even
when it changes nothing). So a transaction adding a measure in a unit waits for — or is
waited for by — one removing another source of the same pair, and the check sees the
committed result (READ COMMITTED: each statement of a trigger function takes a new snapshot).
"""

import django.db.models.deletion
from django.db import migrations, models

REACH = "issues_problemreach"
PROBLEM = "issues_problem"
COOPERATING = "issues_problem_cooperating_units"
MEASURE = "issues_measure"


def _add(pairs: str) -> str:
    """Insert the (problem_id, unit_id) pairs selected by `pairs` with the problem's
    created_at; lock those already there (see the module's docstring)."""
    return f"""
    INSERT INTO {REACH} (problem_id, unit_id, created_at)
    SELECT DISTINCT s.problem_id, s.unit_id, p.created_at
    FROM ({pairs}) s JOIN {PROBLEM} p ON p.id = s.problem_id
    ORDER BY s.problem_id, s.unit_id
    ON CONFLICT (problem_id, unit_id) DO UPDATE SET created_at = EXCLUDED.created_at
    WHERE {REACH}.created_at IS DISTINCT FROM EXCLUDED.created_at;"""


def _recheck(pairs: str) -> str:
    """Remove the pairs selected by `pairs` that no source holds any more."""
    return f"""
    PERFORM 1 FROM {REACH} r JOIN ({pairs}) s
        ON r.problem_id = s.problem_id AND r.unit_id = s.unit_id
    ORDER BY r.problem_id, r.unit_id FOR UPDATE OF r;
    DELETE FROM {REACH} r USING ({pairs}) s
    WHERE r.problem_id = s.problem_id AND r.unit_id = s.unit_id
      AND NOT EXISTS (SELECT 1 FROM {PROBLEM} p WHERE p.id = s.problem_id AND p.lead_unit_id = s.unit_id)
      AND NOT EXISTS (SELECT 1 FROM {COOPERATING} c WHERE c.problem_id = s.problem_id AND c.unit_id = s.unit_id)
      AND NOT EXISTS (SELECT 1 FROM {MEASURE} m WHERE m.problem_id = s.problem_id AND m.unit_id = s.unit_id);"""


def _function(name: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END $$;"""


def _trigger(table: str, event: str, function: str) -> str:
    tables = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }[event]
    name = f"{function}_{event.lower()}"
    return f"""
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}_{event.lower()}();"""


# The pair sources of a child table (cooperating units, measures): one row per pair.
_NEW_PAIRS = "SELECT problem_id, unit_id FROM new_rows"
_OLD_PAIRS = "SELECT problem_id, unit_id FROM old_rows"
_MOVED = """
    SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.problem_id <> o.problem_id OR n.unit_id <> o.unit_id"""


def _child(table: str, prefix: str) -> str:
    return "".join(
        [
            _function(f"{prefix}_insert", _add(_NEW_PAIRS)),
            _function(
                f"{prefix}_update",
                f"\n    IF EXISTS ({_MOVED}) THEN{_add(_NEW_PAIRS)}{_recheck(_OLD_PAIRS)}\n    END IF;",
            ),
            _function(f"{prefix}_delete", _recheck(_OLD_PAIRS)),
            _trigger(table, "INSERT", prefix),
            _trigger(table, "UPDATE", prefix),
            _trigger(table, "DELETE", prefix),
        ]
    )


# A new problem: its lead unit, and any cooperating unit or measure written before it (the
# foreign keys are checked at commit, so a bulk writer may write children first).
_NEW_PROBLEM_PAIRS = f"""
    SELECT id AS problem_id, lead_unit_id AS unit_id FROM new_rows
    UNION ALL SELECT c.problem_id, c.unit_id FROM {COOPERATING} c JOIN new_rows n ON n.id = c.problem_id
    UNION ALL SELECT m.problem_id, m.unit_id FROM {MEASURE} m JOIN new_rows n ON n.id = m.problem_id"""
_CHANGED_PROBLEMS = """
    SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.lead_unit_id <> o.lead_unit_id OR n.created_at IS DISTINCT FROM o.created_at"""
_PROBLEM_UPDATE = f"""
    IF EXISTS ({_CHANGED_PROBLEMS}) THEN
    UPDATE {REACH} r SET created_at = n.created_at
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE r.problem_id = n.id AND n.created_at IS DISTINCT FROM o.created_at;{
    _add('''SELECT n.id AS problem_id, n.lead_unit_id AS unit_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.lead_unit_id <> o.lead_unit_id''')
}{
    _recheck('''SELECT o.id AS problem_id, o.lead_unit_id AS unit_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.lead_unit_id <> o.lead_unit_id''')
}
    END IF;"""
_PROBLEM_DELETE = f"""
    DELETE FROM {REACH} r USING old_rows o WHERE r.problem_id = o.id;"""

TRIGGERS = "".join(
    [
        _function("issues_reach_problem_insert", _add(_NEW_PROBLEM_PAIRS)),
        _function("issues_reach_problem_update", _PROBLEM_UPDATE),
        _function("issues_reach_problem_delete", _PROBLEM_DELETE),
        _trigger(PROBLEM, "INSERT", "issues_reach_problem"),
        _trigger(PROBLEM, "UPDATE", "issues_reach_problem"),
        _trigger(PROBLEM, "DELETE", "issues_reach_problem"),
        _child(COOPERATING, "issues_reach_cooperating"),
        _child(MEASURE, "issues_reach_measure"),
    ]
)

COPY = f"""
INSERT INTO {REACH} (problem_id, unit_id, created_at)
SELECT id, lead_unit_id, created_at FROM {PROBLEM}
UNION SELECT c.problem_id, c.unit_id, p.created_at FROM {COOPERATING} c JOIN {PROBLEM} p ON p.id = c.problem_id
UNION SELECT m.problem_id, m.unit_id, p.created_at FROM {MEASURE} m JOIN {PROBLEM} p ON p.id = m.problem_id;
"""

DROP = "".join(
    f"""
DROP TRIGGER IF EXISTS {prefix}_{event} ON {table};
DROP FUNCTION IF EXISTS {prefix}_{event}();"""
    for table, prefix in (
        (PROBLEM, "issues_reach_problem"),
        (COOPERATING, "issues_reach_cooperating"),
        (MEASURE, "issues_reach_measure"),
    )
    for event in ("insert", "update", "delete")
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)
        schema_editor.execute(COPY)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("issues", "0020_problem_lead_status_covering")]

    operations = [
        migrations.CreateModel(
            name="ProblemReach",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "problem_id",
                        "unit_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("created_at", models.DateTimeField()),
                (
                    "problem",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="issues.problem",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="issues.unit",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["unit", "-created_at", "-problem"], name="reach_unit_created"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
