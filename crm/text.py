"""Rules for text people type."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# One-line fields end up in e-mail headers (a customer's name in a notice's subject), file names
# and CSV cells: a CR or LF there made Django refuse to send the notice, again at every sweep.
single_line = RegexValidator(
    r"[\x00-\x1f\x7f]",
    inverse_match=True,
    message=_("Use a single line of text, without line breaks or control characters."),
    code="control_characters",
)
