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


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
