from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0012_verbose_names"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="slaclock",
            name="clock_breach_idx",
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("breached_at__isnull", False)),
                fields=["breached_at", "id"],
                name="clock_breach_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("breached_at__isnull", False)),
                fields=["organization", "breached_at", "id"],
                name="clock_org_breach_idx",
            ),
        ),
    ]
