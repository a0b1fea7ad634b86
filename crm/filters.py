import django_filters
from django.utils.translation import gettext_lazy as _

from crm.models import Contact


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Contact.Kind.choices)
    tag = django_filters.CharFilter(
        label=_("Tag"), field_name="tags__name", lookup_expr="iexact", max_length=50, distinct=True
    )

    class Meta:
        model = Contact
        fields = ["q", "kind", "tag"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
