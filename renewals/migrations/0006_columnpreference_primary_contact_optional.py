"""The primary customer contact became an optional column (HubSpot's locked ones are five).

It was always shown until now: a saved choice gets it added, so nobody's dashboard loses it; a
user who never saved gets it from `renewals.columns.DEFAULT_CHOSEN`.
"""

from django.db import migrations


def add_primary_contact(apps, schema_editor):
    ColumnPreference = apps.get_model("renewals", "ColumnPreference")
    for preference in ColumnPreference.objects.all():
        if "primary_contact" in preference.columns:
            continue
        preference.columns = ["primary_contact", *preference.columns]
        preference.save(update_fields=["columns"])


def remove_primary_contact(apps, schema_editor):
    """Back to always shown: the key leaves the saved choices."""
    ColumnPreference = apps.get_model("renewals", "ColumnPreference")
    for preference in ColumnPreference.objects.all():
        preference.columns = [key for key in preference.columns if key != "primary_contact"]
        preference.save(update_fields=["columns"])


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0005_contractchange_creation_token"),
    ]

    operations = [
        migrations.RunPython(add_primary_contact, remove_primary_contact),
    ]
