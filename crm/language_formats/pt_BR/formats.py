# A month and year in little room (a chart's axis): "dez 2026", the month in lower case as Brazilian
# Portuguese writes it ("M" would title-case it). Read by `crm.formats.short_month_format`.
SHORT_MONTH_FORMAT = "b Y"
