from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from crm.demo import DEMO_PASSWORD, DEMO_USERS, seed_contacts, seed_users


class Command(BaseCommand):
    help = "Load the demo users, contacts and each app's demo data. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = seed_users()
            seed_contacts(users)
            # Each app may add its own demo data without crm knowing about it.
            for config in apps.get_app_configs():
                seed = getattr(config, "seed_demo", None)
                if seed is not None:
                    seed(users)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'): " + ", ".join(u[0] for u in DEMO_USERS))
        self.stdout.write(
            "Try: /accounts/login/  /contacts/  /subscriptions/pipeline/  /smartlists/  /renewals/  "
            "/settings/customize/subscriptions/"
        )
