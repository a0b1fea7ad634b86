"""A contact's periods never overlap: an exclusion constraint.

The form and `services.period_*` check for overlaps first, under the contact's lock; the
constraint backs them up.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "period_no_overlap"

ADD = f"""
ALTER TABLE subscriptions_period ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (contact_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
"""
DROP = f"ALTER TABLE subscriptions_period DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunSQL(ADD, DROP),
    ]
