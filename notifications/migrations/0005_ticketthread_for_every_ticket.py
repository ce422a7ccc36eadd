"""Data only: every existing ticket gets its email thread root now, as new tickets do
at creation (tickets.services.ticket_create). Created lazily by notifying workers, two
of them at once could deadlock on it (issue #18)."""

from django.conf import settings
from django.db import migrations


def create_missing_threads(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketThread = apps.get_model("notifications", "TicketThread")
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    missing = Ticket.objects.filter(email_thread__isnull=True).values_list(
        "pk", "organization_id", "reference"
    )
    batch = []
    for pk, organization_id, reference in missing.iterator(chunk_size=2000):
        batch.append(
            TicketThread(
                ticket_id=pk,
                organization_id=organization_id,
                root_message_id=f"<ticket-{reference}@{domain}>",
            )
        )
        if len(batch) >= 2000:
            TicketThread.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    TicketThread.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_oncall_page_raised"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_missing_threads, migrations.RunPython.noop)]
