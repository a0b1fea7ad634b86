"""How often a price is billed: one vocabulary for subscription periods and contract changes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BillingFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Semi-annual")
    ANNUAL = "annual", _("Annual")
    # Only where the number of months is stored beside it (a subscription period's
    # `billing_every_months`).
    EVERY_N_MONTHS = "every_n_months", _("Every N months")

    @classmethod
    def fixed(cls) -> list["BillingFrequency"]:
        """The frequencies that need no number of months beside them."""
        return [frequency for frequency in cls if frequency != cls.EVERY_N_MONTHS]
