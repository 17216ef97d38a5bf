"""
PostgreSQL-only indexes that leave SQLite alone.

Production and CI run PostgreSQL; `make run` and the quick tests run SQLite,
which has no pg_trgm and no GIN. These operations do their work on
PostgreSQL and nothing elsewhere, so one set of migrations serves both. The
indexes stay in the models' Meta, so the migration state matches the models
and makemigrations finds nothing to do.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db.migrations import AddIndex
from django.db.models.functions import Upper


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class CreateTrigramExtension(TrigramExtension):
    """pg_trgm, for GIN indexes that serve `icontains` (LIKE '%text%')."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Django's own checks pg_extension, which SQLite does not have.
        if _on_postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddPostgresIndex(AddIndex):
    """An index PostgreSQL can build (GIN, operator classes) and SQLite cannot."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def upper_trigram_index(field: str, name: str) -> GinIndex:
    """
    A GIN index of the trigrams of UPPER(field): Django's `icontains` on
    PostgreSQL is UPPER(field) LIKE UPPER('%text%'), which this serves. Its
    statistics also tell the planner how many rows such a LIKE keeps, where it
    would otherwise guess "a few" and plan for them.
    """
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
