"""Pages of long lists whose exact size would cost more than the page itself.

`COUNT(*)` of a million rows reads a million rows. `CappedPaginator` counts at most `cap` + 1
(`SELECT count(*) FROM (... LIMIT cap + 1)`), so a page costs the same whatever the list's size;
past the cap the page says "10,000+" and offers pages up to the cap. Small lists keep their
exact count.
"""

import math

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


def count_cap() -> int:
    """Lists count their rows exactly up to this many (setting LIST_COUNT_CAP, default 10,000)."""
    return settings.LIST_COUNT_CAP


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = count_cap() if cap is None else cap

    @cached_property
    def count(self) -> int:
        """The exact number of rows up to `cap`; `cap` + 1 means "more than `cap`"."""
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # the order changes nothing in a count, and costs a sort
        return rows[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        # Past the cap, only the pages inside it: a page number is a promise of rows.
        if self.is_capped:
            return max(1, math.ceil(self.cap / self.per_page))
        return super().num_pages
