"""The head's first row: a concurrent first append is refused as a duplicate, not as tampering.

0004's trigger checked "a head row already exists" before reading the tip. Two transactions
appending to an empty ledger both pass that check; if the first one commits between the two
statements, the second reads the first's entry as the tip and its head row (seq 0) is refused
as "not the last entry" — an error get_or_create cannot recover from. Reading the tip first and
checking for an existing head afterwards closes that window: the first transaction's entry and
head row commit together, so whenever the tip shows the entry, the later check sees the row and
raises unique_violation, which get_or_create turns into a locked read of that row.

PostgreSQL only: SQLite serialises writers, so the race cannot happen there. Reversing leaves
this body in place (it refuses everything 0004's did).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION ledger_head_follows_tip() RETURNS trigger AS $$
DECLARE
    tip_seq bigint;
    tip_hash varchar;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the ledger head cannot be removed (append-only)';
    END IF;
    SELECT seq, hash INTO tip_seq, tip_hash FROM ledger_ledgerentry ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        tip_seq := 0;
        tip_hash := '';
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM ledger_ledgerhead) THEN
        -- As the primary key would: get_or_create's race for the first row sees IntegrityError.
        RAISE EXCEPTION 'the ledger has one head (append-only)' USING ERRCODE = 'unique_violation';
    END IF;
    IF NEW.seq IS DISTINCT FROM tip_seq OR NEW.hash IS DISTINCT FROM tip_hash THEN
        RAISE EXCEPTION 'the ledger head is append-only: it can only be the last entry (seq %)',
            tip_seq;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_append_at_the_tip")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
