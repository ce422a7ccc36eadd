"""The web application as gunicorn loads it."""

import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, sys
import helpdesk.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()), "workspace.views" in sys.modules)
"""


def test_what_the_application_loads_is_frozen_out_of_the_collectors_full_passes():
    """Every view is imported first (by the URLconf), then everything loaded is frozen:
    the collector's full passes walk only what requests create afterwards."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, tracked, views_loaded = probe.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) // 10
