# One short and one long date per language (issue 24; see ../en/formats.py): "31/12/2026" in a table,
# "4 dicembre 2026" in a sentence, not Django's "04 Dicembre 2026": no leading zero on the day (the
# lower-case month comes from crm's catalogue).
SHORT_DATE_FORMAT = "d/m/Y"
DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATETIME_FORMAT = "j F Y H:i"  # not Django's, which starts with the day of the week
# A month and year in little room (a chart's axis): "dic 2026", the month in lower case as Italian
# writes it ("M" would title-case it). Read by `crm.formats.short_month_format`.
SHORT_MONTH_FORMAT = "b Y"
