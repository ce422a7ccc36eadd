"""English: Django's formats, and the named ones our templates use (as the product has
always written them). Every name here is also in hu/formats.py: a name missing from the
active language's module would be read as a format string itself."""

# Sat 5 Dec, 14:30
DAY_TIME_FORMAT = "D j M, H:i"
DAY_TIME_SECONDS_FORMAT = "D j M, H:i:s"
DAY_TIME_ZONE_FORMAT = "D j M, H:i T"
# Sat 5 Dec (a day of this year)
DAY_MONTH_FORMAT = "D j M"
# Sat 5 Dec 2026
DAY_DATE_FORMAT = "D j M Y"
# Sat 5 Dec 2026, 14:30
DAY_DATETIME_FORMAT = "D j M Y, H:i"
DAY_DATETIME_ZONE_FORMAT = "D j M Y, H:i T"
# 5 Dec 2026
MEDIUM_DATE_FORMAT = "j M Y"
MEDIUM_DATETIME_FORMAT = "j M Y, H:i"
# 5 December 2026
FULL_DATE_FORMAT = "j F Y"
FULL_DATETIME_FORMAT = "j F Y, H:i"
# Saturday 5 December 2026
WEEKDAY_DATE_FORMAT = "l j F Y"
WEEKDAY_DATETIME_ZONE_FORMAT = "l j F Y, H:i T"
# 14:30 CET
TIME_ZONE_FORMAT = "H:i T"
