"""Locale formats beside Django's own (settings.FORMAT_MODULE_PATH): each language's module
overrides some of Django's and names the formats the templates use, so that a template
says ``|date:"DAY_TIME_FORMAT"`` and every language writes it its own way."""
