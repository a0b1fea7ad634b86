"""Money as the tables print it (`crm.formats.Formats`) is the text of the template filter it
stands in for, `floatformat:"2g"`, in each language: grouping, separators, rounding, signs."""

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from crm.formats import Formats

AMOUNTS = [Decimal("0"), Decimal("-0.001"), Decimal("-0.005"), Decimal("0.005"), Decimal("999.995"), Decimal("1000"),
           Decimal("-1234.5"), Decimal("1234567.895"), Decimal("-98765432101.01"), Decimal("12345678901234.56"),
           12.345, -7, 1000000, None]


@pytest.mark.parametrize("language, million", [("en", "1,000,000.00"), ("it", "1.000.000,00"),
                                              ("pt-br", "1.000.000,00")])
def test_money_reads_as_the_templates_filter_writes_it(language, million):
    template = engines["django"].from_string('{{ amount|floatformat:"2g" }}')
    with translation.override(language):
        formats = Formats()
        assert formats.money(Decimal("1000000")) == million
        for amount in AMOUNTS:
            assert formats.money(amount) == template.render({"amount": amount}), amount
