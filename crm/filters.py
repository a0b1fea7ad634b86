import django_filters
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, Tag


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Contact.Kind.choices, empty_label=_("Any kind"))
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"),
        field_name="tags",
        queryset=Tag.objects.all(),
        to_field_name="name",
        empty_label=_("Any tag"),
        distinct=True,
    )

    class Meta:
        model = Contact
        fields = ["q", "kind", "tag"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
