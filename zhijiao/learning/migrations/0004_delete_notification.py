from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("learning", "0003_notifications_to_core"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
