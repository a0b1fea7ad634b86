"""Trigram indexes for the contact search.

`name__icontains` compiles to `UPPER("name"::text) LIKE UPPER('%text%')`, which no B-tree can
serve; a GIN index of pg_trgm trigrams on the same expression can, so a search reads the matching
rows instead of every contact.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def trigram_index(field):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(field), name="gin_trgm_ops"),
        name=f"contact_{field}_trgm",
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(model_name="contact", index=trigram_index("name")),
        migrations.AddIndex(model_name="contact", index=trigram_index("email")),
    ]
