from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications import inbound


class Command(BaseCommand):
    help = (
        "Read unseen messages from a Maildir into tickets and replies, then mark them seen. "
        "For installations without an ESP's inbound webhook; beat runs it every minute "
        "when INBOUND_MAILDIR is set. Safe to run again: Message-IDs are processed once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--maildir",
            default=settings.INBOUND_MAILDIR,
            help="Path of the Maildir (with cur/, new/ and tmp/). Default: INBOUND_MAILDIR.",
        )
        parser.add_argument(
            "--mailbox",
            default=None,
            help="The receiving address, within which Message-IDs are unique. "
            "Default: SUPPORT_EMAIL.",
        )

    def handle(self, *args, maildir, mailbox, **options):
        if not maildir:
            raise CommandError("Give --maildir PATH (or set INBOUND_MAILDIR).")
        if not (Path(maildir) / "new").is_dir():
            raise CommandError(f"{maildir} is not a Maildir (it has no new/ folder).")
        count = inbound.maildir_fetch(path=maildir, mailbox=mailbox)
        self.stdout.write(f"{count} message(s) processed from {maildir}.")
