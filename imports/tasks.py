from celery import shared_task
from django.utils import timezone

from imports import services


@shared_task
def run_import(import_id: int) -> None:
    services.import_run(import_id=import_id)


@shared_task
def check_import(import_id: int) -> None:
    services.import_check_job(import_id=import_id)


@shared_task
def forget_import_files() -> int:
    return services.imports_forget_files(now=timezone.now())


@shared_task
def hand_over_imports() -> int:
    return services.imports_hand_over(now=timezone.now())
