"""
Write the periodic jobs defined in config/celery.py to django-celery-beat's
tables. Idempotent: running it again changes nothing that is already right.

Beat's DatabaseScheduler also installs them when it starts; this command is
for deployments (run it after `migrate`) and for seeing what is installed.
Jobs are defined in code, not in the admin: a job switched off in the admin
is switched on again here, and one that ran a notifications task but is no
longer in the code is switched off.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from config.celery import BEAT_DESCRIPTIONS, app

# Only periodic tasks of these apps are switched off when gone from the code;
# anything else in the table belongs to someone else.
OWNED_TASK_PREFIXES = ("notifications.",)


class Command(BaseCommand):
    help = "Install or update the Celery beat schedule defined in config/celery.py."

    @transaction.atomic
    def handle(self, *args, **options):
        schedule = app.conf.beat_schedule
        for name, entry in schedule.items():
            existed = PeriodicTask.objects.filter(name=name).exists()
            # The same conversion beat's DatabaseScheduler applies at start-up.
            model_entry = ModelEntry.from_entry(name, app=app, **entry)
            task = model_entry.model
            task.enabled = True
            task.description = BEAT_DESCRIPTIONS.get(name, "")
            task.save(update_fields=["enabled", "description"])
            self.stdout.write(f"{'Updated' if existed else 'Installed'} {name}: {task.task} {task.schedule}")
        retired = PeriodicTask.objects.filter(enabled=True).exclude(name__in=list(schedule))
        for task in retired:
            if task.task.startswith(OWNED_TASK_PREFIXES):
                task.enabled = False
                task.save(update_fields=["enabled"])
                self.stdout.write(f"Switched off {task.name}: it is no longer in config/celery.py")
        self.stdout.write(self.style.SUCCESS(f"{len(schedule)} periodic jobs installed."))
