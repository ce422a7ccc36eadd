"""The test suite's settings: the project's, with Redis databases of this process's own.

pytest-xdist runs the suite in several processes (gw0, gw1, …), and pytest-django gives
each a database of its own; here each also takes its own pair of Redis databases (the
broker's, and the next one for the cache tests), counted on from the ones REDIS_URL
names. They are set in the environment, before the project's settings read it, so the
Celery workers a test starts in a subprocess use the same ones.
"""

import os
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
# Once per process tree: a Celery worker started by a test inherits the environment
# this sets, and with it the same databases.
if _worker.startswith("gw") and "REDIS_URL_OF_THE_RUN" not in os.environ:
    _shared = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["REDIS_URL_OF_THE_RUN"] = _shared
    _url = urlsplit(_shared)
    _database = int(_url.path.strip("/") or 0) + 2 * (int(_worker[2:]) + 1)
    if _database + 1 > 15:  # a Redis server has databases 0 to 15 unless told otherwise
        raise RuntimeError(
            f"REDIS_URL={_shared} leaves no Redis database for test process {_worker}: "
            "name a lower database, or run fewer processes (-n)."
        )
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_database}"))
    if os.environ.get("CELERY_BROKER_URL", _shared) == _shared:
        os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]

from helpdesk.settings import *  # noqa: E402, F403 - the project's settings, unchanged
