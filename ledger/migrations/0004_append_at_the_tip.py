"""The database lets the ledger grow only at its tip (issue 10, docs/ledger-threat-model.md).

- An entry may be inserted only as the next one: seq = last seq + 1 and prev_hash = the last
  entry's hash (the genesis hash for the first). This also refuses SQLite's INSERT OR REPLACE
  and upserts on either database: the BEFORE INSERT trigger fires before the conflict is
  resolved, and REPLACE — which deletes the old row without firing DELETE triggers unless
  recursive_triggers is on — never gets that far. On SQLite an insert whose hash already
  exists is refused too (REPLACE on the hash's unique index would delete that entry).
- The head (LedgerHead) can only be the last entry: it may be inserted once (no second row)
  and updated only to the last entry's seq and hash — so it moves forward with appends and
  never back; it cannot be deleted.
- Checkpoints (LedgerCheckpoint) cannot be deleted, nor their signed columns changed.

0002's triggers still refuse UPDATE and DELETE of entries. Whoever owns the database can drop
triggers; the signed checkpoints (ledger.checkpoints) are what detect that.
"""

from django.db import migrations

GENESIS = "0" * 64

PG_UP = f"""
CREATE OR REPLACE FUNCTION ledger_entry_append_at_tip() RETURNS trigger AS $$
DECLARE
    tip_seq bigint;
    tip_hash varchar;
BEGIN
    SELECT seq, hash INTO tip_seq, tip_hash FROM ledger_ledgerentry ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        tip_seq := 0;
        tip_hash := '{GENESIS}';
    END IF;
    IF NEW.seq IS DISTINCT FROM tip_seq + 1 OR NEW.prev_hash IS DISTINCT FROM tip_hash THEN
        RAISE EXCEPTION 'ledger entries are append-only (INSERT must extend the chain at seq %)',
            tip_seq + 1;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_append_at_tip BEFORE INSERT ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_at_tip();

CREATE OR REPLACE FUNCTION ledger_head_follows_tip() RETURNS trigger AS $$
DECLARE
    tip_seq bigint;
    tip_hash varchar;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the ledger head cannot be removed (append-only)';
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM ledger_ledgerhead) THEN
        -- As the primary key would: get_or_create's race for the first row sees IntegrityError.
        RAISE EXCEPTION 'the ledger has one head (append-only)' USING ERRCODE = 'unique_violation';
    END IF;
    SELECT seq, hash INTO tip_seq, tip_hash FROM ledger_ledgerentry ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        tip_seq := 0;
        tip_hash := '';
    END IF;
    IF NEW.seq IS DISTINCT FROM tip_seq OR NEW.hash IS DISTINCT FROM tip_hash THEN
        RAISE EXCEPTION 'the ledger head is append-only: it can only be the last entry (seq %)',
            tip_seq;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_head_follows_tip BEFORE INSERT OR UPDATE OR DELETE ON ledger_ledgerhead
    FOR EACH ROW EXECUTE FUNCTION ledger_head_follows_tip();

CREATE OR REPLACE FUNCTION ledger_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger checkpoints are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_checkpoint_no_update
    BEFORE UPDATE OF id, seq, head_hash, created_at, key_id, signature
    ON ledger_ledgercheckpoint FOR EACH ROW EXECUTE FUNCTION ledger_checkpoint_refuse_change();
CREATE TRIGGER ledger_checkpoint_no_delete BEFORE DELETE ON ledger_ledgercheckpoint
    FOR EACH ROW EXECUTE FUNCTION ledger_checkpoint_refuse_change();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS ledger_entry_append_at_tip ON ledger_ledgerentry;
DROP TRIGGER IF EXISTS ledger_head_follows_tip ON ledger_ledgerhead;
DROP TRIGGER IF EXISTS ledger_checkpoint_no_update ON ledger_ledgercheckpoint;
DROP TRIGGER IF EXISTS ledger_checkpoint_no_delete ON ledger_ledgercheckpoint;
DROP FUNCTION IF EXISTS ledger_entry_append_at_tip();
DROP FUNCTION IF EXISTS ledger_head_follows_tip();
DROP FUNCTION IF EXISTS ledger_checkpoint_refuse_change();
"""

TIP_SEQ = "COALESCE((SELECT MAX(seq) FROM ledger_ledgerentry), 0)"
TIP_HASH = "(SELECT hash FROM ledger_ledgerentry ORDER BY seq DESC LIMIT 1)"
SQLITE_UP = [
    f"""CREATE TRIGGER ledger_entry_append_at_tip BEFORE INSERT ON ledger_ledgerentry
       WHEN NEW.seq IS NOT {TIP_SEQ} + 1
         OR NEW.prev_hash IS NOT COALESCE({TIP_HASH}, '{GENESIS}')
         OR EXISTS (SELECT 1 FROM ledger_ledgerentry WHERE hash = NEW.hash)
       BEGIN SELECT RAISE(ABORT,
         'ledger entries are append-only (INSERT must extend the chain at its tip)'); END;""",
    """CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_ledgerhead
       BEGIN SELECT RAISE(ABORT, 'the ledger head cannot be removed (append-only)'); END;""",
    f"""CREATE TRIGGER ledger_head_insert BEFORE INSERT ON ledger_ledgerhead
       WHEN EXISTS (SELECT 1 FROM ledger_ledgerhead)
         OR NEW.seq IS NOT {TIP_SEQ} OR NEW.hash IS NOT COALESCE({TIP_HASH}, '')
       BEGIN SELECT RAISE(ABORT,
         'the ledger head is append-only: one row, at the last entry'); END;""",
    f"""CREATE TRIGGER ledger_head_update BEFORE UPDATE ON ledger_ledgerhead
       WHEN NEW.id IS NOT OLD.id
         OR NEW.seq IS NOT {TIP_SEQ} OR NEW.hash IS NOT COALESCE({TIP_HASH}, '')
       BEGIN SELECT RAISE(ABORT,
         'the ledger head is append-only: it can only be the last entry'); END;""",
    """CREATE TRIGGER ledger_checkpoint_no_update
       BEFORE UPDATE OF id, seq, head_hash, created_at, key_id, signature
       ON ledger_ledgercheckpoint
       BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only (UPDATE refused)'); END;""",
    """CREATE TRIGGER ledger_checkpoint_no_delete BEFORE DELETE ON ledger_ledgercheckpoint
       BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only (DELETE refused)'); END;""",
]
SQLITE_TRIGGERS = [
    "ledger_entry_append_at_tip",
    "ledger_head_no_delete",
    "ledger_head_insert",
    "ledger_head_update",
    "ledger_checkpoint_no_update",
    "ledger_checkpoint_no_delete",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no ledger triggers for database vendor {vendor!r}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_checkpoints")]

    operations = [migrations.RunPython(install, remove)]
