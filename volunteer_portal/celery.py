"""The Celery application: `celery -A volunteer_portal worker` and `… beat` load it.

Its settings are Django's, those named ``CELERY_…``, and the periodic schedule is
``PERIODIC_JOBS`` (volunteer_portal/settings.py); the tasks are in each app's ``tasks.py``.
Web processes load it only when they first hand a task over (volunteer_portal.mail), so a
process that never does (``make run``, the management commands) does not pay for Celery.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_portal.settings")

app = Celery("volunteer_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule(jobs) -> dict:
    """``PERIODIC_JOBS`` as Celery beat's schedule: each job the ``run_command`` task."""
    schedule = {}
    for command, when in jobs:
        minute, hour, day_of_month, month_of_year, day_of_week = when.split()
        schedule[" ".join(command)] = {
            "task": "volunteer_portal.tasks.run_command",
            "schedule": crontab(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
            ),  # fmt: skip
            "args": list(command),
        }
    return schedule


@app.on_after_configure.connect
def _schedule(sender, **kwargs):
    from django.conf import settings

    sender.conf.beat_schedule = beat_schedule(settings.PERIODIC_JOBS)
