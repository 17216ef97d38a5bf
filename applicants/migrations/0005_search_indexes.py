# Staff search finds organisations by any part of their name: a trigram index
# on PostgreSQL (config/postgres.py); SQLite has neither pg_trgm nor GIN and
# searches without it.

from django.db import migrations

from config.postgres import AddPostgresIndex, CreateTrigramExtension, upper_trigram_index


class Migration(migrations.Migration):

    dependencies = [
        ("applicants", "0004_notification_preferences"),
    ]

    operations = [
        CreateTrigramExtension(),
        AddPostgresIndex(
            model_name="organisation",
            index=upper_trigram_index("name", "organisation_name_trgm"),
        ),
    ]
