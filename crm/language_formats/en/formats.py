# One short and one long date per language (issue 24): a table, a list or a widget writes the short
# one, a sentence or a heading ("As of …") the long one, and a widget never mixes them.
# Short: "Dec 31, 2026", not Django's "12/31/2026", which a reader outside the US takes for a day
# and a month the other way round. Long: "December 31, 2026", not the news agencies' "Dec. 31, 2026".
SHORT_DATE_FORMAT = "M j, Y"
DATE_FORMAT = "F j, Y"
# The same dates with a clock time: "9:30 AM", not Django's "9:30 a.m." (nor "noon", "midnight").
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
DATETIME_FORMAT = "F j, Y, g:i A"
