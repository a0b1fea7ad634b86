from django.core.management.base import BaseCommand

from crm.dates import today
from subscriptions.models import SubscriptionSummary
from subscriptions.summary import rebuild


class Command(BaseCommand):
    help = "Rewrite every contact's stored subscription summary from the period definitions."

    def handle(self, *args, **options):
        run = rebuild(today=today())
        rows = SubscriptionSummary.objects.count()
        self.stdout.write(f"{rows} summaries as of {run.as_of} in {run.seconds:.1f} s")
