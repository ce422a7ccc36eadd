from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0021_ticket_org_created_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("sla_due_at"),
                models.Case(
                    models.When(priority="urgent", then=models.Value(0)),
                    models.When(priority="high", then=models.Value(1)),
                    models.When(priority="medium", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.Case(
                    models.When(severity="S1", then=models.Value(0)),
                    models.When(severity="S2", then=models.Value(1)),
                    models.When(severity="S3", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("status", "waiting_on_customer")),
                name="ticket_waiting_urgency_idx",
            ),
        ),
    ]
