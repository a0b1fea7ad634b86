"""Choices among more rows than a page should list: the people an admin may make an owner (every
user), the organisations a manager sees (thousands at a million contacts).

A page offers the row already chosen and the first few rows matching a search, in the order of
their names; the gate's queryset still decides what may be saved. `SearchedChoiceField` is that
choice in a form: its <select> comes with a search box that asks its own URL for the list again
(htmx: `contact_owner_choices`, `contact_organisation_choices`), or, without JavaScript, a "Find" button that shows the form again with the matches.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper

from crm.models import Contact, assignable_owners, person_name

CHOICES_SHOWN = 20
SEARCH_LENGTH = 100


@dataclass(frozen=True)
class Rows:
    """A gate's rows as choices: `shown` is each one's label, `searched` the columns a search reads."""

    queryset: QuerySet
    searched: tuple[str, ...]

    def offered(self, *, search: str = "", chosen: int | None = None, limit: int = CHOICES_SHOWN) -> "Offer":
        """The chosen row (if the gate has it) and the first `limit` rows whose searched columns
        contain `search`."""
        rows = self.queryset
        if search:
            matching = Q()
            for column in self.searched:
                matching |= Q(**{f"{column}__icontains": search})
            # Matches in case-insensitive order: the planner then reads the rows the trigram index
            # finds, or scans once, instead of walking the name index past every row that does not
            # match (an admin's organisations at 1,000,000 contacts, a search matching none: 1.3-2.9 s
            # so; 0.01-0.11 s this way, 0.16-0.22 s for one or two letters, which no trigram holds).
            rows = rows.filter(matching).order_by(Upper("shown"), "pk")
        found = list(rows.values_list("pk", "shown")[: limit + 1])
        offer = Offer(found[:limit], more=len(found) > limit, matched=bool(found))
        if chosen is not None and chosen not in {pk for pk, _label in offer.choices}:
            offer.choices[:0] = self.queryset.filter(pk=chosen).values_list("pk", "shown")
        return offer


@dataclass(frozen=True)
class Offer:
    """What a choice lists, as (pk, label); whether more rows match than it lists; whether any matched."""

    choices: list[tuple[int, str]]
    more: bool
    matched: bool


def owners(user) -> Rows:
    """The people `user` may make the owner of a contact, by name or username."""
    return Rows(assignable_owners(user).annotate(shown=person_name()), searched=("shown", "username"))


def organisations(user, *, besides: int | None = None) -> Rows:
    """The organisations `user` sees, by name; not the contact `besides` (one never belongs to itself)."""
    visible = Contact.objects.visible_to(user).organisations()
    if besides is not None:
        visible = visible.exclude(pk=besides)
    return Rows(visible.annotate(shown=F("name")).order_by("name", "pk"), searched=("name",))


class SearchedSelect(forms.Select):
    """The <select> of a `SearchedChoiceField`: the chosen row and the first matches of its search."""

    template_name = "crm/widgets/searched_select.html"
    rows: Rows | None = None
    search = ""
    search_url = ""
    search_label = ""
    empty_label: str | None = None

    def get_context(self, name, value, attrs):
        chosen = int(value) if str(value or "").isdigit() else None
        offer = self.rows.offered(search=self.search, chosen=chosen)
        self.choices = ([("", self.empty_label)] if self.empty_label is not None else []) + offer.choices
        context = super().get_context(name, value, attrs)
        # A list short enough to show whole needs no search box.
        context["widget"].update(
            offer=offer, shown=CHOICES_SHOWN, searching=offer.more or bool(self.search), search=self.search,
            search_name=f"{name}_q", find_name=f"{name}_find", search_url=self.search_url, search_label=self.search_label,
        )
        return context


class SearchedChoiceField(forms.ModelChoiceField):
    """A choice among a gate's rows, listing only a few of them (see the module's docstring)."""

    widget = SearchedSelect

    def search_in(self, rows: Rows, *, url: str, label: str, search: str = "", empty_label: str | None = None) -> None:
        """Choose among `rows`; `url` answers the search box, named `label`."""
        self.queryset = rows.queryset
        self.empty_label = empty_label
        self.widget.rows = rows
        self.widget.search_url = url
        self.widget.search_label = label
        self.widget.search = search[:SEARCH_LENGTH]
        self.widget.empty_label = empty_label

    def label_from_instance(self, obj):
        return obj.shown
