"""The themes the founding article names; admins edit the list in Django admin."""

from django.db import migrations

THEMES = [
    ("乡村振兴", "Rural revitalisation"),
    ("文明创建", "Civilisation creation"),
    ("共同富裕与扶贫", "Common prosperity and poverty alleviation"),
    ("产业发展", "Industry development"),
    ("文化", "Culture"),
]


def create(apps, schema_editor):
    Theme = apps.get_model("activities", "Theme")
    for name, name_en in THEMES:
        Theme.objects.get_or_create(name=name, defaults={"name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_activities")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
