# "4 dicembre 2026", not Django's "04 Dicembre 2026": no leading zero on the day (the lower-case month
# comes from crm's catalogue).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
# A month and year in little room (a chart's axis): "dic 2026", the month in lower case as Italian
# writes it ("M" would title-case it). Read by `crm.formats.short_month_format`.
SHORT_MONTH_FORMAT = "b Y"
