from celery import shared_task
from django.utils import timezone

from crm import bulk


@shared_task
def run_bulk(job_id: int) -> None:
    bulk.job_run(job_id=job_id)


@shared_task
def hand_over_bulk_jobs() -> int:
    return bulk.jobs_hand_over(now=timezone.now())
