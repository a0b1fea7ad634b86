"""Each person's organisation name on their own row, with a trigram index, for the search.

The column has a database default too, so that SQL inserting contacts without it (the bench
generators) still works.

The copy is filled for existing rows before its index is built (one pass, not an index update
per row); `Contact.save` keeps it from then on.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

FILL = """
UPDATE crm_contact SET organisation_name_copy = (
    SELECT organisation.name FROM crm_contact organisation WHERE organisation.id = crm_contact.organisation_id
) WHERE organisation_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_contact_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="organisation_name_copy",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=200),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("organisation_name_copy"), name="gin_trgm_ops"
                ),
                name="contact_org_name_trgm",
            ),
        ),
    ]
