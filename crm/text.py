"""Rules for text people type."""

import re

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

# Characters no one sees that change what is seen: the C0 and C1 controls (U+0085 included), the
# line and paragraph separators (U+2028, U+2029) and Unicode's format characters (bidi controls
# such as U+202E, which shows "Ada exe.jpg" for "Ada gpj.exe", zero-width spaces, the word joiner,
# the byte order mark, the soft hyphen...): categories Cc, Cf, Zl and Zp. Spelled out, as scanning
# Unicode for them costs 0.3 s a start; tests pin the list against `unicodedata`.
INVISIBLE = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Format characters too, but words of Persian and Indic scripts and emoji sequences need them:
# text when they join two characters, not at either end of the text or beside a space.
JOINERS = "\u200c\u200d"
NOT_VISIBLE = re.compile(rf"[{INVISIBLE}]|(?:^|(?<=\s))[{JOINERS}]|[{JOINERS}](?=\s|$)")

# Names and tags: one line of text that is all seen, as `single_line` and more. A name spelled with
# invisible characters looks like another one, or like none (a tag of only U+200B).
visible_single_line = RegexValidator(
    NOT_VISIBLE.pattern,
    inverse_match=True,
    message=_("Use a single line of text, without line breaks, control characters or invisible characters "
              "(direction marks, zero-width spaces)."),
    code="invisible_characters",
)


def has_invisible(text: str) -> bool:
    return NOT_VISIBLE.search(text) is not None
