# Organisations in name order from an index; staff search finds them by any
# part of their name with a trigram index on PostgreSQL (config/postgres.py):
# SQLite has neither pg_trgm nor GIN and searches without it.

from django.db import migrations, models

from config.postgres import AddPostgresIndex, CreateTrigramExtension, upper_trigram_index


class Migration(migrations.Migration):

    dependencies = [
        ("applicants", "0004_notification_preferences"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["name", "id"], name="organisation_name_idx"),
        ),
        CreateTrigramExtension(),
        AddPostgresIndex(
            model_name="organisation",
            index=upper_trigram_index("name", "organisation_name_trgm"),
        ),
    ]
