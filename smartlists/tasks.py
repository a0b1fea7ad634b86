from celery import shared_task
from django.utils import timezone

from smartlists import services


@shared_task
def run_export(job_id: int) -> None:
    services.export_job_run(job_id=job_id)


@shared_task
def hand_over_exports() -> int:
    return services.export_jobs_hand_over(now=timezone.now())


@shared_task
def remove_expired_exports() -> int:
    return services.export_files_remove_expired(now=timezone.now())
