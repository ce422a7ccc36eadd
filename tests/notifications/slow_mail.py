"""An email provider for a worker process under test: slow enough that the worker is
holding an unacknowledged message when the broker goes away, and keeping a log of
what it accepted (one line per Message-ID) so the test can count deliveries."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowLoggingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        log = Path(os.environ["TEST_MAIL_LOG"])
        for message in email_messages:
            with log.open("a") as out:
                out.write(f"sending {message.extra_headers['Message-ID']}\n")
            time.sleep(float(os.environ.get("TEST_MAIL_DELAY", "2")))
            with log.open("a") as out:
                out.write(f"sent {message.extra_headers['Message-ID']}\n")
        return len(email_messages)
