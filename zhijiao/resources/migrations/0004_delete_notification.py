from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0003_notifications_to_core"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
