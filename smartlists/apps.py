from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartlistsConfig(AppConfig):
    name = "smartlists"
    verbose_name = _("Smart lists")

    def ready(self):
        from crm.panels import register_nav

        register_nav(_("Smart lists"), "smartlists:index", allowed=lambda user: user.is_vendor_staff, order=30)

        from smartlists import bulk

        bulk.register()  # crm's bulk actions: smart lists' rows, and the CSV export for the contact list

    def seed_demo(self, cast):
        """Each demo manager and rep starts with the ready-made "ending in the next 90 days, not renewed" list."""
        from smartlists.services import smartlist_ready_made

        for username in ("manager", "rep", "rep2", "rep3"):
            smartlist_ready_made(owner=cast.users[username])
