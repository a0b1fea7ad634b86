"""The index behind "sort by current MRR, highest first" (NULLS LAST)."""

from django.db import migrations

INDEX = "summary_current_mrr_desc"


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0003_subscription_summary")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON subscriptions_subscriptionsummary "
            "(current_mrr DESC NULLS LAST, contact_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
