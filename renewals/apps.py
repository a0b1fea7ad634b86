from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = _("Partner renewals")

    def ready(self):
        from crm.panels import register_nav, register_panel
        from renewals.panels import contact_panel_context

        register_nav(_("Renewals"), "renewals:dashboard", allowed=lambda user: user.is_partner or user.is_admin,
                     order=5)
        register_panel("renewals/_contact_panel.html", context=contact_panel_context, order=50)

    def demo_clashes(self):
        from renewals.demo import clashes

        return clashes()

    def seed_demo(self, cast):
        from renewals.demo import seed

        seed(cast)
