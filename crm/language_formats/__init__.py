"""Date formats where the product writes dates differently from Django's defaults (FORMAT_MODULE_PATH).

Only what differs is set here; everything else comes from Django's own format module. Month and
weekday names in lower case come from crm's catalogues (Django's capitalise them).
"""
