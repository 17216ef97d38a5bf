from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_outcomes(sender, apps=None, **kwargs):
    """
    The Strategic Plan outcomes are reference data that a data migration
    loads. Loading them again after every migrate (idempotently) also
    restores them after a test database is flushed, which sends post_migrate
    but re-runs no migration (and passes no migration state).
    """
    from importlib import import_module

    if apps is None:
        from django.apps import apps

    import_module("rounds.migrations.0002_strategic_plan_outcomes").load_outcomes(apps, None)


class RoundsConfig(AppConfig):
    name = "rounds"
    verbose_name = "Programmes and rounds"

    def ready(self):
        post_migrate.connect(ensure_outcomes, sender=self)
