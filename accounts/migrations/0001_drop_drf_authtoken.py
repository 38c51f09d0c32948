"""DRF's authtoken table kept every API token in plain text; knox replaced it (only digests
are stored). Drop it where an older installation has it; a fresh database never had it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
