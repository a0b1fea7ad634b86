# "4 dicembre 2026", not Django's "04 Dicembre 2026": no leading zero on the day (the lower-case month
# comes from crm's catalogue).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
