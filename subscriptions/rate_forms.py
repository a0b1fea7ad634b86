"""The forms of the exchange-rate pages: a rate, the reporting currency, a rate's deletion."""

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from crm.dates import DateField
from crm.submissions import new_token, submission_field
from subscriptions.forms import DateInput
from subscriptions.models import ExchangeRate

RATE = ExchangeRate._meta.get_field("rate")


def currency_field(label) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=3, min_length=3,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter currency code, such as EUR."))],
    )


class RateForm(forms.Form):
    """A rate as an admin types it: what one unit of a currency is worth in the reporting currency
    from a day on. Adding carries a one-time token and the reporting currency it was shown against;
    correcting carries the version read."""

    currency = currency_field(_("Currency"))
    rate = forms.DecimalField(label=_("Rate"), max_digits=RATE.max_digits, decimal_places=RATE.decimal_places)
    valid_from = DateField(label=_("Valid from"), widget=DateInput(),
                           help_text=_("Periods starting on this day or later are converted at this rate, until the "
                                       "next rate of the currency."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    submission = submission_field()
    against = forms.CharField(widget=forms.HiddenInput, required=False, max_length=3)

    def __init__(self, *args, reporting: str, instance: ExchangeRate | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                currency=instance.currency, rate=instance.plain_rate, valid_from=instance.valid_from,
                version=instance.version,
            )
        super().__init__(*args, **kwargs)
        into = instance.reporting_currency if instance is not None else reporting
        self.fields["rate"].help_text = _(
            "What one unit of the currency is worth in %(reporting)s: for example 0.92 when 1 USD is 0.92 %(reporting)s."
        ) % {"reporting": into}
        if instance is None:
            del self.fields["version"]
            self.initial.setdefault("submission", new_token())
            self.initial["against"] = reporting
        else:
            self.fields["version"].required = True
            del self.fields["submission"], self.fields["against"]

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate is not None and rate <= Decimal(0):
            raise forms.ValidationError(_("A rate is more than 0."), code="not_positive")
        return rate


class ReportingCurrencyForm(forms.Form):
    code = currency_field(_("Reporting currency"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_code(self):
        return self.cleaned_data["code"].upper()


class RateDeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
