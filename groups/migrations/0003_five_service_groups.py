"""Ship the umbrella body and its five service groups on every install (docs/DOMAIN.md).

They are ordinary rows afterwards: admins correct names and missions in Django admin.
Existing rows are left alone, so re-running never overwrites an admin's edits.
"""

from django.db import migrations

ORGANISATION = {
    "name_zh": "漳州市新的社会阶层人士志愿服务团",
    "name_en": "Zhangzhou New Social Stratum Volunteer Service Group",
    "intro_zh": (
        "在漳州市新联会的组织下，团结新的社会阶层人士，弘扬志愿精神，"
        "全方位服务群众，不断提升社会满意度和群众获得感。"
    ),
    "intro_en": (
        "Set up under the New Federation of Zhangzhou to carry forward the spirit of "
        "volunteerism among the new social strata, serve the people in an all-round "
        "way and raise people's sense of gain."
    ),
}

GROUPS = [
    {
        "slug": "agriculture",
        "name_zh": "网上助农服务团",
        "name_en": "Online Agriculture Assistance Service Group",
        "mission_zh": "通过直播带货、农村电商等方式，帮助农户把农产品卖到网上。",
        "mission_en": (
            "Helps farmers sell online through live-stream sales and rural e-commerce."
        ),
    },
    {
        "slug": "ecommerce",
        "name_zh": "电商培训服务团",
        "name_en": "E-commerce Training Service Group",
        "mission_zh": "为商户和村民开展电子商务培训。",
        "mission_en": "Trains merchants and villagers in e-commerce.",
    },
    {
        "slug": "industry",
        "name_zh": "行业对接服务团",
        "name_en": "Industry Docking Service Group",
        "mission_zh": "促进企业、供应商与采购方之间的对接合作。",
        "mission_en": "Connects enterprises, suppliers and buyers.",
    },
    {
        "slug": "culture",
        "name_zh": "文化志愿服务团",
        "name_en": "Cultural Volunteer Service Group",
        "mission_zh": "开展文艺演出和文明创建等文化志愿服务活动。",
        "mission_en": "Cultural performances and civilisation-creation activities.",
    },
    {
        "slug": "finance-tax",
        "name_zh": "财税事务服务团",
        "name_en": "Financial and Tax Affairs Service Group",
        "mission_zh": "提供免费的财税咨询和会计服务。",
        "mission_en": "Free tax and accounting consultations.",
    },
]


def create(apps, schema_editor):
    Organisation = apps.get_model("groups", "Organisation")
    ServiceGroup = apps.get_model("groups", "ServiceGroup")
    Organisation.objects.get_or_create(id=1, defaults=ORGANISATION)
    for order, fields in enumerate(GROUPS, start=1):
        fields = dict(fields)
        slug = fields.pop("slug")
        ServiceGroup.objects.get_or_create(
            slug=slug, defaults={**fields, "display_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("groups", "0002_no_overlapping_head_terms")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
