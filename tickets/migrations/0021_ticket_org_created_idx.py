from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0020_reply_copied_from_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["organization", "created_at"],
                include=("severity", "resolved_at", "closed_at"),
                name="ticket_org_created_idx",
            ),
        ),
    ]
