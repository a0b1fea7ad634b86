from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        from django.conf import settings

        from crm import embedded_db
        from crm.contact_fields import register_contact_fields, register_contact_import_fields
        from crm.panels import register_nav

        if settings.DATABASES["default"]["ENGINE"] == "crm.embedded_db":
            embedded_db.exit_on_sigterm()
        register_contact_fields()
        register_contact_import_fields()
        register_nav(_("Contacts"), "contact_list", allowed=lambda user: user.is_vendor_staff, order=10)
        register_nav(_("Settings"), "settings_index", allowed=lambda user: user.is_admin, order=90)
