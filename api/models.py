"""Personal API tokens: a person's key to the REST API, acting as that person.

The secret is shown once, when the token is made, and never stored: the row keeps its SHA-256
(a token is 256 random bits, so a fast hash is enough: nothing to guess a word from) and the first
characters of the token (`prefix`), which the settings page shows so a person can tell their
tokens apart.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.text import visible_single_line


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user) -> "ApiTokenQuerySet":
        """A person's own tokens: the only ones they may see or revoke."""
        return self.filter(user=user)

    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=100, validators=[visible_single_line])
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Kept to the minute, not to the request: a write on every request would cost each API call
    # a second query and a row version (`api.tokens.touch`).
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    # The create form's one-time token: the same submission posted twice makes one token.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["creation_token"], condition=Q(creation_token__isnull=False),
                                    name="apitoken_creation_token_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
