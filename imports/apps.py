from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports")

    def ready(self):
        from crm.panels import register_nav
        from imports.models import may_import

        register_nav(_("Import"), "imports:index", allowed=may_import, order=40)
