from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0019_search_index_newest_first"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("copied_from__isnull", False)),
                fields=["copied_from"],
                name="reply_copied_from_idx",
            ),
        ),
    ]
