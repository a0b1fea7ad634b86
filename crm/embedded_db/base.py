"""Django's PostgreSQL backend, connecting through the socket of the embedded server
(`crm.embedded_db`), which the first connection starts."""

from django.db.backends.postgresql import base

from crm import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = embedded_db.socket_dir()
        return params
