"""Day arithmetic that SQLite and PostgreSQL agree on."""

from django.db.models import DecimalField, Func, IntegerField


class DaysBetween(Func):
    """Whole days from the first date to the second (`second - first`)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        first, second = (compiler.compile(expression) for expression in self.source_expressions)
        return f"({second[0]} - {first[0]})", [*second[1], *first[1]]

    def as_sqlite(self, compiler, connection, **extra):
        first, second = (compiler.compile(expression) for expression in self.source_expressions)
        return f"CAST(julianday({second[0]}) - julianday({first[0]}) AS INTEGER)", [*second[1], *first[1]]


class ProratedValue(Func):
    """A monthly amount for a number of days: `ROUND(mrr x days x 12 / 365, 2)`."""

    output_field = DecimalField(max_digits=14, decimal_places=2)
    arity = 2
    template = "ROUND(%(expressions)s * 12 / 365.0, 2)"
    arg_joiner = " * "

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite's NUMERIC affinity turns 100.00 into an integer: divide as REAL.
        return self.as_sql(compiler, connection, template="ROUND(CAST(%(expressions)s AS REAL) * 12 / 365.0, 2)", **extra)
