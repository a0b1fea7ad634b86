from celery import shared_task
from django.utils import timezone

from crm.jobs import job_task
from smartlists import services
from smartlists.models import ExportJob

run_export = job_task("smartlists.tasks.run_export", lambda job_id: services.export_job_run(job_id=job_id),
                      lambda: ExportJob.objects)


@shared_task
def hand_over_exports() -> int:
    return services.export_jobs_hand_over(now=timezone.now())


@shared_task
def remove_expired_exports() -> int:
    return services.export_files_remove_expired(now=timezone.now())
