"""The production settings, plus the floor view's URL: gunicorn serves the bench with these.

The floor view has no URL in the product; only processes started with
DJANGO_SETTINGS_MODULE=bench.settings route to it.
"""

from crm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
