from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.tokens import token_create
from crm.models import User


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (and nothing else): it is shown only now."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--scope", choices=["read", "write"], default="read",
                            help="read, or read and write (default: read)")

    def handle(self, *args, username, name, scope, **options):
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user is called {username!r}.")
        token = ApiToken(user=user, name=name.strip(), scope=scope)
        try:
            token.full_clean(exclude=["user", "prefix", "secret_hash"])
        except Exception as error:  # noqa: BLE001 - a ValidationError's messages, said as the command's error
            raise CommandError(f"--name: {' '.join(getattr(error, 'messages', [str(error)]))}") from None
        _token, plain = token_create(user=user, name=token.name, scope=scope)
        self.stdout.write(plain)
