"""The production settings, with a Celery queue of its own (`TEST_CELERY_QUEUE`): a worker a test
starts on a shared Redis takes no message another run left there, and leaves none for others."""

import os

from crm.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
