import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from crm.billing import BillingFrequency
from crm.contact_fields import owner_field
from crm.dates import EARLIEST, LATEST, DateField, MonthField
from crm.formats import Formats
from crm.submissions import new_token, submission_field
from crm.models import User, owner_ids_of, people_seen
from crm.text import single_line
from subscriptions.dates import add_months, end_after_months, months_apart, next_day
from subscriptions.models import Period
from subscriptions.money import EVERY_N_MONTHS, normalise_mrr


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PricedMRR:
    """The MRR that a price billed at a frequency makes, for a form with `price`, `billing_frequency`
    and `billing_every_months`: the save and the live preview compute it here, with
    `money.normalise_mrr`."""

    def price_mrr(self, cleaned) -> Decimal | None:
        """The computed MRR; None (with the errors added) when the price or frequency is missing or wrong."""
        price, frequency = cleaned.get("price"), cleaned.get("billing_frequency")
        if frequency != EVERY_N_MONTHS:
            cleaned["billing_every_months"] = None
        if price is None:
            if "price" not in self.errors:
                self.add_error("price", _("Give the price billed at this frequency."))
            return None
        if not frequency:
            if "billing_frequency" not in self.errors:
                self.add_error("billing_frequency", _("Choose how often the price is billed."))
            return None
        try:
            return normalise_mrr(price, frequency, cleaned.get("billing_every_months"))
        except ValidationError as error:
            field = "billing_every_months" if error.code == "months_required" else "billing_frequency"
            if field not in self.errors:
                self.add_error(field, error)
            return None


class PeriodForm(PricedMRR, forms.Form):
    """A period as the rep types it: the end as a term, a date or never; MRR typed or computed."""

    AFTER, ON, NEVER = "after", "on", "never"
    END_CHOICES = [(AFTER, _("After a number of months")), (ON, _("On a date")), (NEVER, _("Never"))]

    currency = forms.CharField(
        label=_("Currency"), max_length=3, min_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter currency code, such as EUR."))],
    )
    mrr = forms.DecimalField(
        label=_("MRR"), required=False, min_value=0, max_digits=12, decimal_places=2,
        help_text=_("The monthly value. Leave it empty to compute it from a price and billing frequency."),
    )
    price = forms.DecimalField(label=_("Price"), required=False, min_value=0, max_digits=12, decimal_places=2)
    billing_frequency = forms.ChoiceField(
        label=_("Billing frequency"), required=False, choices=[("", "—"), *BillingFrequency.choices]
    )
    billing_every_months = forms.IntegerField(
        label=_("Every N months"), required=False, min_value=1, max_value=120,
        help_text=_("Only for “Every N months”."),
    )
    start_date = DateField(label=_("Effective date"), widget=DateInput())
    end = forms.ChoiceField(label=_("Ends"), choices=END_CHOICES, initial=AFTER, widget=forms.RadioSelect)
    term_months = forms.IntegerField(label=_("Number of months"), required=False, min_value=1, max_value=600)
    end_date = DateField(label=_("End date"), required=False, widget=DateInput())
    description = forms.CharField(label=_("Description"), required=False, max_length=200, validators=[single_line])
    # The version the editor read: a save based on an older one is refused (see services).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # A new period's one-time token: the same submission posted twice adds one period.
    submission = submission_field()

    def __init__(self, *args, instance: Period | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {}).update(self.initial_for(instance))
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = settings.CRM_CURRENCY
        self.fields["version"].required = instance is not None
        if instance is None:
            self.initial.setdefault("submission", new_token())
        else:
            del self.fields["submission"]

    @classmethod
    def initial_for(cls, period: Period) -> dict:
        if period.end_date is None:
            end = cls.NEVER
        elif period.term_months:
            end = cls.AFTER
        else:
            end = cls.ON
        return {
            # With a price, the MRR is computed from it: leave it for the form to compute again.
            "currency": period.currency, "mrr": None if period.price is not None else period.mrr, "price": period.price,
            "billing_frequency": period.billing_frequency, "billing_every_months": period.billing_every_months,
            "start_date": period.start_date, "end": end, "term_months": period.term_months,
            "end_date": period.end_date, "description": period.description, "version": period.version,
        }

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean(self):
        cleaned = super().clean()
        self._clean_mrr(cleaned)
        self._clean_end(cleaned)
        return cleaned

    def _clean_mrr(self, cleaned):
        if cleaned.get("price") is None and not cleaned.get("billing_frequency"):
            cleaned["billing_every_months"] = None
            if cleaned.get("mrr") is None and "mrr" not in self.errors:
                self.add_error("mrr", _("Give the MRR, or a price and how often it is billed."))
            return
        computed = self.price_mrr(cleaned)
        if computed is None:
            return
        typed = cleaned.get("mrr")
        if typed is not None and typed != computed:
            self.add_error("mrr", _("This price and billing frequency make an MRR of %(mrr)s. Leave MRR empty to use it.")
                           % {"mrr": computed})
            return
        cleaned["mrr"] = computed

    def _clean_end(self, cleaned):
        start, end = cleaned.get("start_date"), cleaned.get("end")
        if end == self.AFTER:
            months = cleaned.get("term_months")
            if months is None:
                if "term_months" not in self.errors:
                    self.add_error("term_months", _("Give the number of months."))
                return
            if start is not None:
                cleaned["end_date"] = end_after_months(start, months)
                if cleaned["end_date"] > LATEST:
                    self.add_error("term_months", _("That term ends too far in the future."))
        elif end == self.ON:
            cleaned["term_months"] = None
            end_date = cleaned.get("end_date")
            if end_date is None:
                if "end_date" not in self.errors:
                    self.add_error("end_date", _("Give the end date."))
            elif start is not None and end_date < start:
                self.add_error("end_date", _("The end date cannot be before the effective date."))
        else:
            cleaned["term_months"] = cleaned["end_date"] = None

    def mark_first_error(self) -> None:
        """Mark the first visible field in error to take focus when the form comes back (static/js/app.js)."""
        if self.non_field_errors():
            return  # the form's own error list takes focus
        for field in self.visible_fields():
            if field.errors:
                field.field.widget.attrs["data-focus-after-swap"] = ""
                return

    def mrr_preview(self) -> "MrrPreviewForm":
        """The live MRR preview of what the form holds now (typed, or the period's saved values)."""
        values = {name: self[name].value() for name in MrrPreviewForm.base_fields}
        return MrrPreviewForm({name: value for name, value in values.items() if value is not None})

    def period_data(self) -> dict:
        """What the service functions take: the model's own fields, cleaned."""
        data = self.cleaned_data
        return {
            "currency": data["currency"], "mrr": data["mrr"], "start_date": data["start_date"],
            "end_date": data["end_date"], "term_months": data["term_months"],
            "description": data["description"], "price": data["price"],
            "billing_frequency": data["billing_frequency"], "billing_every_months": data["billing_every_months"],
        }


class PeriodChangeForm(PeriodForm):
    """"Change subscription": the next period, with the last one as the form read it.

    `last_period` and `version` are the id and version of the contact's last period when the form
    was shown (both empty: it had none). If another writer has changed the subscription since, so
    that its last period is another one or was edited, the change is refused: it would end a
    period the person never saw.
    """

    last_period = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, data=None, *, last: Period | None, today: datetime.date):
        initial = initial_for_change(last, today)
        if last is not None:
            initial.update(last_period=last.pk, version=last.version)
        super().__init__(data, initial=initial)

    def last_read(self) -> tuple[int | None, int | None]:
        return self.cleaned_data["last_period"], self.cleaned_data["version"]


def period_values(period: Period | None) -> list[tuple[str, object]]:
    """A period's saved values, label by label, to show beside a refused form."""
    if period is None:
        return [(_("Period"), _("Deleted"))]
    fmt = Formats()
    values = [
        (_("MRR"), f"{fmt.money(period.mrr)} {period.currency}"),
        (_("Effective date"), fmt.date(period.start_date)),
        (_("End date"), fmt.date(period.end_date) if period.end_date else _("Never")),
        (_("Description"), period.description),
    ]
    if period.price is not None:
        values.append((_("Price"), fmt.money(period.price)))
    if period.billing_frequency:
        values.append((_("Billing frequency"), period.get_billing_frequency_display()))
    return values


class MrrPreviewForm(PricedMRR, forms.Form):
    """The period form's price fields, read as they are typed: the MRR they make, or why none."""

    price = PeriodForm.base_fields["price"]
    billing_frequency = PeriodForm.base_fields["billing_frequency"]
    billing_every_months = PeriodForm.base_fields["billing_every_months"]
    currency = forms.CharField(required=False)

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        return currency if len(currency) == 3 and currency.isalpha() and currency.isascii() else ""

    def clean(self):
        cleaned = super().clean()
        given = cleaned.get("price") is not None or cleaned.get("billing_frequency") or "price" in self.errors
        cleaned["mrr"] = self.price_mrr(cleaned) if given else None
        return cleaned


class FormPartForm(forms.Form):
    """Which part of the period form a live refresh asks for: the end fields, or the MRR preview."""

    part = forms.ChoiceField(choices=[("end", "end"), ("mrr", "mrr")])


class RefreshForm(forms.Form):
    """The period form's no-JavaScript "Update the form" button: show the fields for the chosen end, save nothing."""

    refresh = forms.BooleanField(required=False)


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PanelPartForm(forms.Form):
    """Which region of the widget an htmx refresh asks for."""

    part = forms.ChoiceField(choices=[(part, part) for part in ("summary", "periods", "slot")], required=False)


def initial_for_change(last: Period | None, today: datetime.date) -> dict:
    """The next period starts the day after the last one ends, in its currency, for the same term."""
    if last is None:
        return {"start_date": today}
    if last.end_date is not None:
        start = next_day(last.end_date)
    else:
        start = max(today, next_day(last.start_date))
    initial = {"start_date": start, "currency": last.currency}
    if last.term_months:
        initial.update(end=PeriodForm.AFTER, term_months=last.term_months)
    elif last.end_date is None:
        initial["end"] = PeriodForm.NEVER
    return initial


class PipelineForm(forms.Form):
    """The day the pipeline report is read as of: today unless another is chosen."""

    as_of = DateField(label=_("As of"),
                      widget=DateInput(attrs={"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}))


class MovementsForm(forms.Form):
    """The MRR movements report's range of months and, for a manager or an admin, the one owner it
    narrows to (`?start=YYYY-MM&end=YYYY-MM&owner=<username>`), read from the query string."""

    MAX_MONTHS = 60  # five years a page: a longer one is a table no one reads, and its chart a smear

    start = MonthField(label=_("From"))
    end = MonthField(label=_("To"))
    # Built for the viewer (`crm.contact_fields.owner_field`): among the people whose contacts they see.
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Owner"))

    # The months shown when none are chosen: the last 12 (this one included) and the next 12.
    MONTHS_BEFORE, MONTHS_AHEAD = 11, 12

    def __init__(self, data, *, user, today: datetime.date):
        this_month = today.replace(day=1)
        data = data.copy()
        if not data.get("start"):
            data["start"] = add_months(this_month, -self.MONTHS_BEFORE).strftime("%Y-%m")
        if not data.get("end"):
            data["end"] = add_months(this_month, self.MONTHS_AHEAD).strftime("%Y-%m")
        super().__init__(data)  # the inputs show the months the report is read for
        # Whose contacts the viewer sees, read once (one statement for a manager): all of them are
        # what the report adds up without an owner chosen (`owner_ids`), the active ones the choice.
        seen = people_seen(user)
        self.visible_ids = owner_ids_of(seen)
        self.fields["owner"] = owner_field(user, label=_("Owner"), seen=seen)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Choose a last month on or after the first."))
            elif months_apart(start, end) + 1 > self.MAX_MONTHS:
                self.add_error("end", _("Choose at most %(count)s months.") % {"count": self.MAX_MONTHS})
        return cleaned

    def owner_ids(self) -> list[int] | None:
        """Whose contacts the report adds up: the owner chosen, else everyone the viewer sees
        (`visible_owner_ids`; None: everyone's)."""
        username = self.cleaned_data.get("owner")
        return [self.fields["owner"].owner_ids[username]] if username else self.visible_ids

    def offers_owner(self) -> bool:
        """Whether there is anyone to narrow to: more than the viewer alone (a rep sees only theirs)."""
        listed = self.fields["owner"].listed
        return listed is None or len(listed) > 1

    def people(self) -> list:
        """The people to show apart (the viewer's team, or the company up to a choice's length);
        none when one owner is chosen, or when there is only one."""
        listed = self.fields["owner"].listed
        return listed if listed and len(listed) > 1 and not self.cleaned_data.get("owner") else []
