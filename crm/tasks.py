from celery import shared_task
from django.utils import timezone

from crm import bulk
from crm.jobs import job_task
from crm.models import BulkJob

run_bulk = job_task("crm.tasks.run_bulk", lambda job_id: bulk.job_run(job_id=job_id), lambda: BulkJob.objects)


@shared_task
def hand_over_bulk_jobs() -> int:
    return bulk.jobs_hand_over(now=timezone.now())
