# Sign-up rules the activity form checked become database constraints (issue 7).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_default_themes"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("signup_closes_at__isnull", True),
                    ("signup_closes_at__lte", models.F("starts_at")),
                    _connector="OR",
                ),
                name="activity_signup_closes_by_the_start",
                violation_error_message="Sign-up must close by the start.",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("signup_opens_at__isnull", True),
                    models.Q(
                        ("signup_closes_at__isnull", False),
                        ("signup_opens_at__lt", models.F("signup_closes_at")),
                    ),
                    models.Q(
                        ("signup_closes_at__isnull", True),
                        ("signup_opens_at__lt", models.F("starts_at")),
                    ),
                    _connector="OR",
                ),
                name="activity_signup_opens_before_it_closes",
                violation_error_message="Sign-up must open before it closes.",
            ),
        ),
    ]
