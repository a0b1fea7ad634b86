"""The index behind "sort by current MRR, highest first" (NULLS LAST), which SQLite cannot create."""

from django.db import migrations

INDEX = "summary_current_mrr_desc"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON subscriptions_subscriptionsummary "
            "(current_mrr DESC NULLS LAST, contact_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0003_subscription_summary")]

    operations = [migrations.RunPython(create, drop)]
