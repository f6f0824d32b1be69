# Apart from 0004 so the constraint is built after the data moved, in its own transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_certificate_supersession"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_at__isnull", True)),
                fields=("member",),
                name="one_current_certificate_per_member",
            ),
        ),
    ]
