"""Many customers fast, for the export benchmark and the memory test: one INSERT ... SELECT each,
generating the rows in the database (`generate_series`)."""

import datetime

from django.db import connection
from django.utils import timezone

from crm.models import Contact
from subscriptions.models import Period


def add_customers(*, owner, count: int, start: datetime.date, end: datetime.date, mrr: str = "49.90") -> None:
    """`count` people owned by `owner`, each with one subscription period from `start` to `end`."""
    now = timezone.now()
    first = (Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    contacts, periods = Contact._meta.db_table, Period._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {contacts} (kind, name, email, phone, website, address, owner_id, created_at, updated_at)
            SELECT 'person', 'Customer ' || i, 'customer' || i || '@example.com', '', '', '', %s, %s, %s
            FROM generate_series(%s, %s) AS i""",
            [owner.pk, now, now, first, first + count - 1],
        )
        cursor.execute(
            f"""INSERT INTO {periods} (contact_id, currency, mrr, start_date, end_date, description, billing_frequency,
                version, created_at, updated_at)
            SELECT c.id, 'EUR', %s, %s, %s, '', '', 1, %s, %s FROM {contacts} c
            WHERE c.owner_id = %s AND NOT EXISTS (SELECT 1 FROM {periods} p WHERE p.contact_id = c.id)""",
            [mrr, start, end, now, now, owner.pk],
        )
