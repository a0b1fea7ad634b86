"""`runserver` that holds the embedded PostgreSQL in both of its processes.

Django's auto-reloader serves from a child process, which it kills outright when it is stopped
itself (Ctrl-C, SIGTERM): the child never gets to stop the database it started. The watching
parent holds the database too, exits normally, and, as the last process that used it, stops it.
"""

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import Command as RunserverCommand

from crm import embedded_db


class Command(RunserverCommand):
    def handle(self, *args, **options):
        if settings.DATABASES["default"]["ENGINE"] == "crm.embedded_db":
            embedded_db.socket_dir()
        super().handle(*args, **options)
