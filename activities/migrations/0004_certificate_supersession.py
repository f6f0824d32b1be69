# One current certificate per member (issue 8): a certificate records the fingerprint of
# the record it certified and the one it replaces. Certificates issued before, one per
# click, are chained oldest to newest: each is superseded by the next, all stay verifiable.

import django.db.models.deletion
from django.db import migrations, models


def chain_existing(apps, schema_editor):
    Certificate = apps.get_model("activities", "Certificate")
    previous = None
    for certificate in Certificate.objects.order_by("member_id", "issued_at", "pk").iterator():
        if previous is not None and previous.member_id == certificate.member_id:
            previous.superseded_at = certificate.issued_at
            previous.save(update_fields=["superseded_at"])
            certificate.supersedes_id = previous.pk
            certificate.save(update_fields=["supersedes"])
        previous = certificate


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_activity_signup_window_constraints"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="fingerprint",
            field=models.CharField(
                blank=True,
                help_text="Of the approved hours and facts it certifies: unchanged, it is reused.",
                max_length=64,
                verbose_name="fingerprint of the record",
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="superseded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="superseded at"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="supersedes",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="superseded_by",
                to="activities.certificate",
                verbose_name="replaces",
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
