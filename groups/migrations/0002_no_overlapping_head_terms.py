"""On PostgreSQL: no two head terms of one group may overlap in time.

The partial unique constraint in 0001 already allows only one open-ended head term
per group on every database. This exclusion constraint is stronger (it also covers
terms with end dates) and needs PostgreSQL's btree_gist, so it is added only there;
SQLite, the local trial database, relies on the model's clean() for friendly checks.
"""

from django.db import migrations

CONSTRAINT = "no_overlapping_head_terms"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE groups_leaderassignment ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (group_id WITH =, "
        "daterange(start_date, end_date, '[]') WITH &&) WHERE (role = 'head')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE groups_leaderassignment DROP CONSTRAINT IF EXISTS {CONSTRAINT}"
    )


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
