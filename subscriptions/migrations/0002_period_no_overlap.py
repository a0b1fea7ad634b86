"""A contact's periods never overlap: an exclusion constraint on PostgreSQL.

SQLite has no equivalent; there the form and `services.period_*` refuse overlaps under a lock.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "period_no_overlap"

ADD = f"""
ALTER TABLE subscriptions_period ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (contact_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
"""
DROP = f"ALTER TABLE subscriptions_period DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


class BtreeGistOnPostgreSQL(BtreeGistExtension):
    """Django's extension operation skips other databases going forwards but not backwards
    (it asks pg_extension): unapplying this migration on SQLite failed."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]

    operations = [
        BtreeGistOnPostgreSQL(),
        migrations.RunPython(forwards, backwards),
    ]
