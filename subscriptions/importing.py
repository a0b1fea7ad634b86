"""What the CSV importer needs to write subscription periods, registered as its hooks for "periods"
rows by `SubscriptionsConfig.ready()` (the importer never imports this app)."""

import datetime

from django.db.models.expressions import RawSQL

from subscriptions.dates import end_after_months
from subscriptions.forms import PeriodForm
from subscriptions.models import Period, PeriodChange
from subscriptions.money import normalise_mrr
from subscriptions.services import AUDITED
from subscriptions.summary import refresh_contacts


class PeriodImportHooks:
    model = Period
    audit_model = PeriodChange
    form = PeriodForm
    audited = AUDITED
    end_after_months = staticmethod(end_after_months)
    normalise_mrr = staticmethod(normalise_mrr)

    @staticmethod
    def snapshot_sql(alias: str) -> str:
        """`subscriptions.services.snapshot` of the period row `alias` as a jsonb expression."""
        parts = []
        for name in AUDITED:
            column = f"{alias}.{name}"
            field = Period._meta.get_field(name)
            if field.get_internal_type() in ("DecimalField", "DateField"):
                value = f"{column}::text"
            elif field.get_internal_type() == "CharField":
                value = f"nullif({column}, '')"
            else:
                value = column
            parts.append(f"'{name}', {value}")
        return f"jsonb_build_object({', '.join(parts)})"

    @staticmethod
    def refresh_summaries(contacts_sql: str, *, today: datetime.date) -> None:
        """Refresh the summaries of the contacts whose ids `contacts_sql` (a SELECT) gives."""
        refresh_contacts(RawSQL(contacts_sql, ()), today=today)


def register_period_import_hooks() -> None:
    from crm.fields import register_import_hooks

    register_import_hooks("periods", PeriodImportHooks)
