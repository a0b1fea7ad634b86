from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self):
        from crm.panels import register_nav

        # Everyone who signs in may script what they see: partners too (their renewals, later).
        register_nav(_("API tokens"), "api_tokens", allowed=lambda user: user.is_active, order=95)
