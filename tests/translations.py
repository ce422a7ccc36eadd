"""The compiled catalogues for the tests that read Hungarian.

``make pytest`` compiles them first (the .mo files are built, never committed); a test
run straight from pytest gets them here too: each .po older than its .mo is compiled
with GNU gettext's msgfmt under a lock (test processes run side by side) and moved into
place whole, then Django's cache of loaded catalogues is emptied so the process reads
the new ones.
"""

import fcntl
import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import trans_real


def compile_translations() -> None:
    lock_path = Path(tempfile.gettempdir()) / "helpdesk-compile-translations.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for locale_path in settings.LOCALE_PATHS:
            for po in Path(locale_path).glob("*/LC_MESSAGES/*.po"):
                mo = po.with_suffix(".mo")
                if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                    continue
                partial = mo.with_suffix(f".mo.{os.getpid()}")
                subprocess.run(  # noqa: S603 - our own files, a fixed program
                    ["msgfmt", "--check-format", "-o", str(partial), str(po)],  # noqa: S607
                    check=True,
                    capture_output=True,
                )
                os.replace(partial, mo)
    # As Django does when LOCALE_PATHS changes (django.test.signals).
    trans_real._translations = {}
    trans_real._default = None
