from django.core.management.base import BaseCommand
from django.utils import timezone

from crm.demo import DEMO_PASSWORD, DEMO_USERS, demo_clashes, demo_seed
from crm.models import DemoSeed


class Command(BaseCommand):
    help = "Load the demo users, contacts and each app's demo data, once. Later runs change nothing."

    def handle(self, *args, **options):
        record = DemoSeed.objects.first()
        if record is not None:
            seeded_on = timezone.localdate(record.seeded_at).isoformat()
            self.stdout.write(f"Demo data already loaded on {seeded_on}; nothing changed.")
        else:
            if clashes := demo_clashes():
                # Not an error (exit status 0): `make run` goes on to serve the database as it is.
                self.stdout.write(
                    self.style.WARNING(
                        "Demo data not loaded; nothing changed. Already in this database: "
                        + ", ".join(clashes)
                        + ". The demo never takes over rows it did not create: to try it, use an "
                        "empty database (DATABASE_URL)."
                    )
                )
                return
            demo_seed()
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'): " + ", ".join(u[0] for u in DEMO_USERS))
        self.stdout.write(
            "Try: /accounts/login/  /contacts/  /subscriptions/pipeline/  /smartlists/  /renewals/  "
            "/settings/customize/subscriptions/"
        )
