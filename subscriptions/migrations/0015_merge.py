"""Two migrations numbered 0014 were written side by side (the summary's owner; the period audit's
author): each stands alone, so this only joins them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("subscriptions", "0014_periodchange_changed_by_without_constraint"),
        ("subscriptions", "0014_summary_owner"),
    ]

    operations = []
