"""Day arithmetic, in SQL and in Python."""

import calendar
import datetime

from django.db.models import DateField, DecimalField, Func, IntegerField


class DaysBetween(Func):
    """Whole days from the first date to the second (`second - first`)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        first, second = (compiler.compile(expression) for expression in self.source_expressions)
        return f"({second[0]} - {first[0]})", [*second[1], *first[1]]


class NextDay(Func):
    """The day after a date, as a date (`date + 1`; PostgreSQL goes on past year 9999, where
    `next_day` stops: no period starts after that day, so the two never disagree on one)."""

    output_field = DateField()
    arity = 1
    template = "(%(expressions)s + 1)"


class MonthOf(Func):
    """The first day of a date's month, as a date."""

    output_field = DateField()
    arity = 1
    template = "date_trunc('month', %(expressions)s)::date"


class ProratedValue(Func):
    """A monthly amount for a number of days: `ROUND(mrr x days x 12 / 365, 2)`."""

    output_field = DecimalField(max_digits=14, decimal_places=2)
    rounds_to_places = 2  # so the CSV export need not round it again
    arity = 2
    template = "ROUND(%(expressions)s * 12 / 365.0, 2)"
    arg_joiner = " * "


DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """`calendar.monthrange(year, month)[1]`, without the weekday it also works out (half the time
    of adding months to 250,000 imported periods)."""
    return 29 if month == 2 and calendar.isleap(year) else DAYS_IN_MONTH[month - 1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28 Feb).

    Past the calendar's ends it stops at them (a row stored before dates had a range must not
    break a page)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    return datetime.date(year, month, min(day.day, days_in_month(year, month)))


def next_day(day: datetime.date) -> datetime.date:
    """The day after, stopping at the calendar's last day."""
    return day if day == datetime.date.max else day + datetime.timedelta(days=1)


def end_after_months(start: datetime.date, months: int) -> datetime.date:
    """The last day of a term of `months` months that starts on `start`: start + months - 1 day."""
    return add_months(start, months) - datetime.timedelta(days=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=days_in_month(day.year, day.month))


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s month to `last`'s month, both included."""
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        if month.year == datetime.MAXYEAR and month.month == 12:
            break  # the calendar's last month
        month = add_months(month, 1)
    return months


def months_apart(first: datetime.date, last: datetime.date) -> int:
    """Whole months from `first`'s month to `last`'s (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month
