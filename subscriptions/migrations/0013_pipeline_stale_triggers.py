"""Mark owners whose stored pipeline a contact statement changed (`subscriptions.pipeline_store`).

Statement triggers on `crm_contact`, owned by this app: a contact given another owner, or deleted,
marks its owners, whatever code runs the statement (a form, a bulk action, an import, the admin),
so `crm` knows nothing of the pipeline. Statement-level with transition tables: one INSERT per
statement, of the distinct owners, however many rows it touched.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION subscriptions_mark_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriptions_ownerpipelinestale (owner_id)
    SELECT moved.owner_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.owner_id), (n.owner_id)) AS moved(owner_id)
    WHERE o.owner_id IS DISTINCT FROM n.owner_id
    GROUP BY moved.owner_id;
    RETURN NULL;
END $$;
CREATE FUNCTION subscriptions_mark_owners_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriptions_ownerpipelinestale (owner_id) SELECT DISTINCT owner_id FROM old_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER subscriptions_owners_changed AFTER UPDATE ON crm_contact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION subscriptions_mark_owners_changed();
CREATE TRIGGER subscriptions_owners_deleted AFTER DELETE ON crm_contact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION subscriptions_mark_owners_deleted();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS subscriptions_owners_changed ON crm_contact;
DROP TRIGGER IF EXISTS subscriptions_owners_deleted ON crm_contact;
DROP FUNCTION IF EXISTS subscriptions_mark_owners_changed();
DROP FUNCTION IF EXISTS subscriptions_mark_owners_deleted();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0010_creation_token_unique_where_given"),
        ("subscriptions", "0012_stored_pipeline"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
