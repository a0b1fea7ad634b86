"""The MRR status has one meaning of "ending" (`queries.ending_q`) and a currency change of its own.

A period that lapses and comes back later was stored as up, down or the same, and a change into
another currency as up or down by comparing the two amounts: stored rows computed under the old
definition are dropped with the runs that vouched for them. Lists then read the definitions until
the daily task (or `manage.py rebuild_summaries`) writes every row again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("subscriptions", "0005_alter_period_description"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscriptionsummary",
            name="upcoming_direction",
            field=models.CharField(
                choices=[
                    ("up", "Up"), ("down", "Down"), ("same", "Same"), ("new", "New"), ("ending", "Ending"),
                    ("currency", "Currency change"),
                ],
                max_length=8,
                null=True,
            ),
        ),
        migrations.RunSQL(
            "TRUNCATE subscriptions_summaryrun, subscriptions_subscriptionsummary",
            migrations.RunSQL.noop,
        ),
    ]
