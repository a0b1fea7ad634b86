"""`python -m crm.embedded_db stop`: stop the embedded PostgreSQL (see `crm/embedded_db`)."""

import sys

from crm import embedded_db

if sys.argv[1:] != ["stop"]:
    sys.exit("usage: python -m crm.embedded_db stop")
print("embedded PostgreSQL stopped" if embedded_db.stop() else "embedded PostgreSQL was not running")
