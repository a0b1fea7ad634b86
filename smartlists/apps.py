from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartlistsConfig(AppConfig):
    name = "smartlists"
    verbose_name = _("Smart lists")
