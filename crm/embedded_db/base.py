"""The project's PostgreSQL backend (`crm.postgresql`), connecting through the socket of the
embedded server (`crm.embedded_db`), which the first connection starts."""

from crm import embedded_db
from crm.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = embedded_db.socket_dir()
        return params
