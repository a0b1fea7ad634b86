"""The contact's owner on its summary row, and the index a team's list reads (`summary_owner_end`).

Filled from the contacts, then kept by the owner trigger of migration 0013, which now also copies
a contact's new owner onto its summary row in the same statement.
"""

from django.conf import settings
from django.db import migrations, models

FILL = """
UPDATE subscriptions_subscriptionsummary summary SET owner_id = contact.owner_id
FROM crm_contact contact WHERE contact.id = summary.contact_id
"""

OWNERS_CHANGED = """
CREATE OR REPLACE FUNCTION subscriptions_mark_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriptions_ownerpipelinestale (owner_id)
    SELECT moved.owner_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.owner_id), (n.owner_id)) AS moved(owner_id)
    WHERE o.owner_id IS DISTINCT FROM n.owner_id
    GROUP BY moved.owner_id;
    UPDATE subscriptions_subscriptionsummary summary SET owner_id = n.owner_id
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE summary.contact_id = n.id AND o.owner_id IS DISTINCT FROM n.owner_id;
    RETURN NULL;
END $$;
"""

# Migration 0013's function, for going back.
OWNERS_CHANGED_BEFORE = """
CREATE OR REPLACE FUNCTION subscriptions_mark_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriptions_ownerpipelinestale (owner_id)
    SELECT moved.owner_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.owner_id), (n.owner_id)) AS moved(owner_id)
    WHERE o.owner_id IS DISTINCT FROM n.owner_id
    GROUP BY moved.owner_id;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("subscriptions", "0013_pipeline_stale_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriptionsummary",
            name="owner",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="subscriptionsummary",
            name="owner",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name="subscriptionsummary",
            index=models.Index(
                fields=["owner", "current_end", "contact"], name="summary_owner_end",
                include=["upcoming_start", "current_currency", "current_mrr", "upcoming_currency", "upcoming_mrr",
                         "remaining_value"],
            ),
        ),
        migrations.RunSQL(OWNERS_CHANGED, OWNERS_CHANGED_BEFORE),
    ]
