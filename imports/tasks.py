from celery import shared_task
from django.utils import timezone

from crm.jobs import job_task
from imports import services
from imports.models import Import

run_import = job_task("imports.tasks.run_import", lambda pk: services.import_run(import_id=pk), lambda: Import.objects)
check_import = job_task("imports.tasks.check_import", lambda pk: services.import_check_job(import_id=pk),
                        lambda: Import.objects, running=services.CHECK_STATUSES)


@shared_task
def forget_import_files() -> int:
    return services.imports_forget_files(now=timezone.now())


@shared_task
def hand_over_imports() -> int:
    return services.imports_hand_over(now=timezone.now())
