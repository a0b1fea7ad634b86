"""The indexes behind money sorts and filters, which go by currency first, then amount: amounts in
two currencies are never compared. They replace the indexes on the amount alone."""

from django.db import migrations, models

OLD_DESCENDING = "summary_current_mrr_desc"
DESCENDING = "summary_current_money_desc"


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0006_contact_version_creation_token'),
        ('subscriptions', '0006_mrr_status_one_meaning_of_ending'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='subscriptionsummary',
            name='summary_current_mrr',
        ),
        migrations.RemoveIndex(
            model_name='subscriptionsummary',
            name='summary_upcoming_mrr',
        ),
        migrations.AddIndex(
            model_name='subscriptionsummary',
            index=models.Index(fields=['current_currency', 'current_mrr', 'contact'], name='summary_current_money'),
        ),
        migrations.AddIndex(
            model_name='subscriptionsummary',
            index=models.Index(fields=['upcoming_currency', 'upcoming_mrr', 'contact'], name='summary_upcoming_money'),
        ),
        # "Sort by current MRR, highest first": by currency (A to Z), then the amount, highest first (NULLS LAST).
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS {OLD_DESCENDING}; CREATE INDEX IF NOT EXISTS {DESCENDING} ON subscriptions_subscriptionsummary "
            "(current_currency, current_mrr DESC NULLS LAST, contact_id)",
            f"DROP INDEX IF EXISTS {DESCENDING}; CREATE INDEX IF NOT EXISTS {OLD_DESCENDING} ON subscriptions_subscriptionsummary "
            "(current_mrr DESC NULLS LAST, contact_id)",
        ),
    ]
