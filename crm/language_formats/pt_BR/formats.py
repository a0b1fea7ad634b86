# One short and one long date per language (issue 24; see ../en/formats.py): "31/12/2026" in a table,
# "4 de dezembro de 2026" in a sentence. Django's own, written here so the three languages read alike.
SHORT_DATE_FORMAT = "d/m/Y"
DATE_FORMAT = r"j \d\e F \d\e Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATETIME_FORMAT = r"j \d\e F \d\e Y à\s H:i"
# A month and year in little room (a chart's axis): "dez 2026", the month in lower case as Brazilian
# Portuguese writes it ("M" would title-case it). Read by `crm.formats.short_month_format`.
SHORT_MONTH_FORMAT = "b Y"
