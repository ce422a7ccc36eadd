"""The web application, as gunicorn serves it (the Dockerfile, the compose file and the
benchmark) and runserver too."""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

application = get_wsgi_application()

# What is loaded now lives as long as the process: every module, model, URL pattern and
# setting, once the URLconf has imported every view. Frozen, it is left out of the
# garbage collector's full passes, which otherwise walked all of it (about 190,000
# objects at a million tickets' benchmark: 121 ms of one request, every few dozen
# requests). What is garbage already is collected first, so that none is kept for good.
# gc.freeze: https://docs.python.org/3/library/gc.html#gc.freeze
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
