from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self):
        from crm import features
        from subscriptions.fields import register_subscription_fields

        features.register(
            "subscriptions",
            label=_("Subscriptions"),
            description=_(
                "Subscription periods and MRR on contact pages, the pipeline MRR report, and "
                "subscription fields in smart lists and renewals. Deactivating hides all of it "
                "and deletes nothing."
            ),
        )
        register_subscription_fields()
