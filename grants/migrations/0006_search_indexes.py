# Staff search over tens of thousands of applications: newest first from an
# index with the id as tie-break (which replaces the index of submitted_at
# alone), by amount requested from another, and trigram indexes for any part
# of a reference or title on PostgreSQL (config/postgres.py; the extension is
# created by applicants 0005).

from django.db import migrations, models

from config.postgres import AddPostgresIndex, upper_trigram_index


class Migration(migrations.Migration):

    dependencies = [
        ("applicants", "0005_search_indexes"),
        ("grants", "0005_assessment_screening_moderation_and_draft_scores"),
    ]

    operations = [
        migrations.AlterField(
            model_name="application",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["submitted_at", "id"], name="application_submitted_idx"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["amount_requested"], name="application_amount_idx"),
        ),
        AddPostgresIndex(
            model_name="application",
            index=upper_trigram_index("reference", "application_reference_trgm"),
        ),
        AddPostgresIndex(
            model_name="application",
            index=upper_trigram_index("title", "application_title_trgm"),
        ),
    ]
