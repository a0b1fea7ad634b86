"""Trigram indexes for the contact search, on PostgreSQL.

`name__icontains` compiles to `UPPER("name"::text) LIKE UPPER('%text%')` on PostgreSQL, which no
B-tree can serve; a GIN index of pg_trgm trigrams on the same expression can, so a search reads
the matching rows instead of every contact. SQLite has neither pg_trgm nor GIN: there the
indexes exist in the migration state only, and the search scans as before.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from crm.migration_operations import AddIndexOnPostgreSQL


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's extension operation skips other databases going forwards but not backwards (it
    asks pg_extension): unapplying this migration on SQLite failed."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_index(field):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(field), name="gin_trgm_ops"),
        name=f"contact_{field}_trgm",
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        AddIndexOnPostgreSQL(model_name="contact", index=trigram_index("name")),
        AddIndexOnPostgreSQL(model_name="contact", index=trigram_index("email")),
    ]
