"""Migration operations that PostgreSQL runs and SQLite only records.

Trigram (pg_trgm) GIN indexes exist on PostgreSQL only; on SQLite the index is part of the
migration state and nothing else, and the queries that use it scan as they would anyway.
"""

from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
