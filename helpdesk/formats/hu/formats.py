"""Hungarian: dates as Hungarians write them, year first (2026. 12. 05. 14:30), a decimal
comma and a no-break space between thousands; the same names as en/formats.py."""

SHORT_DATE_FORMAT = "Y. m. d."
SHORT_DATETIME_FORMAT = "Y. m. d. H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3

# dec. 5. (szo) 14:30: within the year, the month's short name and the weekday.
DAY_TIME_FORMAT = "N j. (D) H:i"
DAY_TIME_SECONDS_FORMAT = "N j. (D) H:i:s"
DAY_TIME_ZONE_FORMAT = "N j. (D) H:i T"
# dec. 5. (szo): a day of this year
DAY_MONTH_FORMAT = "N j. (D)"
# 2026. 12. 05. (szo)
DAY_DATE_FORMAT = "Y. m. d. (D)"
# 2026. 12. 05. 14:30
DAY_DATETIME_FORMAT = "Y. m. d. H:i"
DAY_DATETIME_ZONE_FORMAT = "Y. m. d. H:i T"
# 2026. 12. 05.
MEDIUM_DATE_FORMAT = "Y. m. d."
MEDIUM_DATETIME_FORMAT = "Y. m. d. H:i"
# 2026. december 5.
FULL_DATE_FORMAT = "Y. F j."
FULL_DATETIME_FORMAT = "Y. F j. H:i"
# 2026. december 5., szombat
WEEKDAY_DATE_FORMAT = "Y. F j., l"
WEEKDAY_DATETIME_ZONE_FORMAT = "Y. F j., l H:i T"
# 14:30 CET
TIME_ZONE_FORMAT = "H:i T"
