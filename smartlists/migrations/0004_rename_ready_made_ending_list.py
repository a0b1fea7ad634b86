"""The ready-made list is renamed to say what it shows: subscriptions ending with nothing following
directly ("not renewed"), the one meaning of "ending" its filter now has.

Existing lists keep their owner's choice: only a ready-made list still called by its old name, in
the language it was created in, takes the new name in that language. The names are written out
here, frozen, as a migration must not follow later changes to the translations.
"""

from django.db import migrations, models

RENAMED = {
    "Subscriptions ending in the next 90 days": "Subscriptions ending in the next 90 days, not renewed",
    "Abbonamenti in scadenza nei prossimi 90 giorni": "Abbonamenti in scadenza nei prossimi 90 giorni, non rinnovati",
    "Assinaturas que terminam nos próximos 90 dias": "Assinaturas que terminam nos próximos 90 dias, não renovadas",
}


def rename(apps, schema_editor):
    SmartList = apps.get_model("smartlists", "SmartList")
    for old, new in RENAMED.items():
        SmartList.objects.filter(preset="ending_90", name=old).update(name=new)


def rename_back(apps, schema_editor):
    SmartList = apps.get_model("smartlists", "SmartList")
    for old, new in RENAMED.items():
        SmartList.objects.filter(preset="ending_90", name=new).update(name=old)


class Migration(migrations.Migration):

    dependencies = [
        ("smartlists", "0003_smartlist_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="smartlist",
            name="preset",
            field=models.CharField(
                blank=True,
                choices=[("ending_90", "Subscriptions ending in the next 90 days, not renewed")],
                editable=False,
                max_length=32,
            ),
        ),
        migrations.RunPython(rename, rename_back),
    ]
