"""Django's PostgreSQL backend, with a health check that costs no round trip.

`CONN_HEALTH_CHECKS` makes Django run `SELECT 1` before the first query of every request, so a
process whose persistent connection died (PostgreSQL restarted, the session was terminated)
reconnects instead of failing a page. That round trip cost every page about 50-90 µs. A server
that ends a session says so on its socket (it sends its goodbye and closes it), so an idle
connection with nothing to read is as alive as a round trip could tell; only when something did
arrive is the `SELECT 1` run, and the connection replaced if it fails.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not self.nothing_arrived() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def nothing_arrived(self) -> bool:
        """Whether the connection is open and nothing came from the server since its last reply:
        one poll of the socket, no I/O. Between queries the server sends only a session's end, a
        notice, or a notification (`crm.features` listens for those)."""
        raw = self.connection
        if raw is None or raw.closed or raw.pgconn.status != pq.ConnStatus.OK:
            return False
        poller = select.poll()
        poller.register(raw.pgconn.socket, select.POLLIN)
        return not poller.poll(0)
