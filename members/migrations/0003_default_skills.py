"""A starting list of skills; admins extend and correct it in Django admin."""

from django.db import migrations

SKILLS = [
    ("直播带货", "Live-stream selling"),
    ("电商运营", "E-commerce operations"),
    ("短视频制作", "Short-video production"),
    ("网店美工", "Online-shop design"),
    ("市场营销", "Marketing"),
    ("品牌策划", "Brand planning"),
    ("农业技术", "Agricultural technology"),
    ("物流与供应链", "Logistics and supply chain"),
    ("企业管理", "Business management"),
    ("税法", "Tax law"),
    ("会计", "Accounting"),
    ("审计", "Auditing"),
    ("金融理财", "Finance and wealth management"),
    ("法律咨询", "Legal advice"),
    ("心理咨询", "Counselling"),
    ("培训授课", "Teaching and training"),
    ("活动策划", "Event planning"),
    ("摄影摄像", "Photography and video"),
    ("平面设计", "Graphic design"),
    ("文艺表演", "Performing arts"),
    ("书法绘画", "Calligraphy and painting"),
    ("软件开发", "Software development"),
    ("翻译", "Translation"),
    ("医疗健康", "Health care"),
]


def create(apps, schema_editor):
    Skill = apps.get_model("members", "Skill")
    for name, name_en in SKILLS:
        Skill.objects.get_or_create(name=name, defaults={"name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("members", "0002_talent_database")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
