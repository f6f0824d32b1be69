"""The roster's background work on a Celery worker (``groups.jobs``)."""

from __future__ import annotations

from groups import jobs
from volunteer_portal.celery import app


@app.task(bind=True, max_retries=3)
def run_roster_job(self, job_id: str) -> str:
    """Do the job, once: a copy delivered again while another worker runs it waits until
    that worker has had all the time a job may take, then takes over if it is gone."""
    outcome = jobs.job_run(job_id)
    if outcome == jobs.BUSY:
        raise self.retry(countdown=jobs.stale_after().total_seconds())
    return outcome
