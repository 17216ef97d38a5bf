"""
Thin tasks: each takes ids or names, and calls a service that does the work
and holds the guarantees (claiming, idempotency keys). All are acks_late, so
a worker that dies mid-task has its message delivered again; the services
make that second delivery harmless.
"""

from celery import shared_task

from .errors import TransientSendError
from .reminders import run_reminder_job as run_reminder_job_service
from .services import deliver_notification, requeue_unsent_notifications


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # The service counts attempts on the row (NOTIFICATION_MAX_ATTEMPTS) and
    # stops raising when they are used up, so Celery's own count is not the
    # limit: the row's count survives redelivery and the sweeper, Celery's
    # does not.
    max_retries=None,
    soft_time_limit=30,
    time_limit=60,
)
def send_notification(self, notification_id: int) -> None:
    try:
        deliver_notification(notification_id=notification_id)
    except TransientSendError as error:
        if self.request.is_eager:
            # Run in-process there is no worker to come back later, and an
            # eager retry would happen at once; the row is pending with its
            # next attempt time, which is what the sweeper looks for.
            return
        # The delay is at most NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS: a
        # short countdown, far inside Redis's visibility timeout.
        raise self.retry(countdown=error.retry_in, exc=error) from error


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_notifications() -> int:
    return requeue_unsent_notifications()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def run_reminder_job(name: str) -> int:
    """One periodic reminder job (see notifications/reminders.py); returns how many it queued."""
    return len(run_reminder_job_service(name=name))
