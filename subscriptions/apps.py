from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self):
        from crm import features, panels
        from subscriptions.fields import register_subscription_fields, register_subscription_import_fields
        from subscriptions.views import panel_context

        features.register(
            "subscriptions",
            label=_("Subscriptions"),
            description=_(
                "Subscription periods and MRR on contact pages, the pipeline MRR report, the MRR "
                "movements report (month by month, with the committed MRR ahead), and subscription "
                "fields in smart lists and renewals. Deactivating hides all of it and deletes nothing."
            ),
        )
        register_subscription_fields()
        register_subscription_import_fields()
        from subscriptions.importing import register_period_import_hooks

        register_period_import_hooks()
        panels.register_panel("subscriptions/panel.html", context=panel_context, feature="subscriptions", order=10)
        panels.register_nav(
            _("Pipeline"),
            "subscriptions:pipeline",
            allowed=lambda user: user.is_rep or user.is_manager,
            feature="subscriptions",
            order=20,
        )
        panels.register_settings(
            _("Reporting currency and exchange rates"),
            "subscriptions:rates",
            description=_("The currency totals are converted into, and the rates of the others, by date."),
            feature="subscriptions",
        )
        from subscriptions.conversion import register_money_conversion

        register_money_conversion()
        panels.register_nav(
            _("MRR movements"),
            "subscriptions:movements",
            allowed=lambda user: user.is_vendor_staff,
            feature="subscriptions",
            order=21,
        )

    def seed_demo(self, cast):
        from subscriptions.demo import seed_periods

        seed_periods(cast)
