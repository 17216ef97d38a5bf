from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(sender, apps=None, **kwargs):
    """
    The role groups are reference data that a data migration loads. Loading
    them again after every migrate (idempotently) also restores them after a
    test database is flushed, which sends post_migrate but re-runs no
    migration (and passes no migration state: the real models serve).
    """
    from importlib import import_module

    if apps is None:
        from django.apps import apps

    import_module("accounts.migrations.0002_role_groups").create_role_groups(apps, None)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self):
        post_migrate.connect(ensure_role_groups, sender=self)
