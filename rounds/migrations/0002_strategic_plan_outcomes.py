"""
The council's Strategic Plan 2022-26 outcomes, in the short wording of
DOMAIN.md (the plan's full titles are not recorded there).
"""

from django.db import migrations

OUTCOMES = {
    ("4", "Clean and Green"): [
        ("4.1", "Climate action"),
        ("4.2", "Nature"),
        ("4.3", "Resources used sustainably"),
        ("4.4", "Low-carbon economy"),
    ],
    ("5", "Great Communities"): [
        ("5.1", "Diversity celebrated, people welcome and included"),
        ("5.2", "People participate in service design and delivery"),
        ("5.3", "Cultural and historical heritage enjoyed and conserved"),
        ("5.4", "Communities prepared for and resilient to emergencies"),
        ("5.5", "People support each other through volunteering"),
    ],
    ("6", "Improved Opportunities"): [
        ("6.1", "Best start in life"),
        ("6.2", "Good quality education"),
        ("6.3", "Families self-sufficient and resilient"),
        ("6.4", "Young people and adults reach their potential"),
    ],
    ("7", "Strong Economy, Transport and Infrastructure"): [
        ("7.1", "Skills"),
        ("7.2", "Infrastructure for growth"),
        ("7.3", "Businesses invest and flourish"),
        ("7.4", "Prosperity for all"),
    ],
    ("8", "Safe and Well"): [
        ("8.1", "Safe in daily lives"),
        ("8.2", "People most at risk protected"),
        ("8.3", "Long lives in good health"),
        ("8.4", "Carers and people with care needs supported"),
    ],
}


def load_outcomes(apps, schema_editor):
    Outcome = apps.get_model("rounds", "Outcome")
    for (theme_code, theme_title), children in OUTCOMES.items():
        theme, _ = Outcome.objects.update_or_create(
            code=theme_code, defaults={"title": theme_title, "parent": None}
        )
        for code, title in children:
            Outcome.objects.update_or_create(code=code, defaults={"title": title, "parent": theme})


class Migration(migrations.Migration):
    dependencies = [("rounds", "0001_initial")]

    operations = [migrations.RunPython(load_outcomes, migrations.RunPython.noop)]
