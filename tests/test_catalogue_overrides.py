"""Django's own strings in the portal's voice (volunteer_portal/catalogue.py): 您, not 你, in
the password messages, and the admin's many-to-many picker entirely in Chinese."""

import json
import re
from pathlib import Path

import django
import polib
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.urls import reverse
from django.utils import translation

from volunteer_portal import catalogue

DJANGO = Path(django.__file__).parent
PICKER_JS = DJANGO / "contrib/admin/static/admin/js/SelectFilter2.js"
LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
JS_PO = LOCALE / "djangojs.po"
GETTEXT_CALL = re.compile(r"""\b(?:gettext|ngettext)\(\s*(['"])((?:\\.|(?!\1).)*)\1""")


def js_msgids(path: Path) -> set[str]:
    return {
        m.group(2).replace("\\'", "'").replace('\\"', '"')
        for m in GETTEXT_CALL.finditer(path.read_text(encoding="utf-8"))
    }


def admin_js_catalogue(client) -> dict:
    script = client.get("/admin/jsi18n/").content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))


def test_the_password_help_texts_say_nin():
    with translation.override("zh-hans"):
        texts = password_validators_help_texts()
    assert len(texts) == 4
    assert all("您" in text and "你" not in text for text in texts), texts


def test_the_signup_page_speaks_to_the_volunteer_as_nin(client, db):
    html = client.get(reverse("signup")).content.decode()
    assert "您的密码不能全是数字" in html
    assert "你" not in html


def test_a_wrong_old_password_is_reported_with_nin(volunteer):
    volunteer.set_password("the-right-old-one")
    with translation.override("zh-hans"):
        form = PasswordChangeForm(
            volunteer,
            {"old_password": "wrong", "new_password1": "x8!kPq2#zz", "new_password2": "x8!kPq2#zz"},
        )
        assert not form.is_valid()
        assert form.errors["old_password"] == ["您的旧密码不正确，请重新输入。"]


def test_every_label_of_the_admin_picker_is_in_chinese(client, admin_user):
    """Every string SelectFilter2.js asks for (taken from the installed Django, so a new
    one after an upgrade fails here) has a Chinese translation in the admin's catalogue."""
    client.force_login(admin_user)
    catalogue_zh = admin_js_catalogue(client)
    wanted = js_msgids(PICKER_JS)
    assert "Choose all %s" in wanted
    missing = sorted(msgid for msgid in wanted if not catalogue_zh.get(msgid))
    assert not missing, "add these to volunteer_portal/catalogue.js and translate them"
    assert catalogue_zh["Choose all %s"] == "选择全部%s"
    assert "你" not in json.dumps({k: catalogue_zh[k] for k in wanted}, ensure_ascii=False), (
        "the picker should say 您"
    )


def test_the_admin_picker_help_text_is_in_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:members_member_add")).content.decode()
    assert "按住 Control 键或 Mac 上的 Command 键来选择多项。" in html
    assert "Hold down" not in html


def test_english_pages_keep_djangos_english(client, admin_user):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    script = client.get("/admin/jsi18n/").content.decode()
    assert "\\u9009\\u62e9" not in script  # 选择, JSON-escaped: no Chinese for English readers
    with translation.override("en"):
        assert "Your password can’t be entirely numeric." in password_validators_help_texts()


def from_catalogue(po_file: Path, source: str) -> set[str]:
    return {
        e.msgid
        for e in polib.pofile(str(po_file))
        if any(path == source for path, _line in e.occurrences)
    }


def test_every_override_still_exists_in_django():
    """An upgrade of Django that rewords one of these leaves our entry orphaned."""
    django_po = {
        e.msgid
        for name in ("contrib/auth", "contrib/admin", "conf")
        for e in polib.pofile(str(DJANGO / name / "locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    django_filter_po = {
        e.msgid
        for e in polib.pofile(
            str(DJANGO.parent / "django_filters/locale/zh_CN/LC_MESSAGES/django.po")
        )
    }
    axes_po = {
        e.msgid for e in polib.pofile(str(DJANGO.parent / "axes/locale/de/LC_MESSAGES/django.po"))
    } | {"Locked Out", "Attempt Remaining", "Clean up expired attempts", "Not set"}  # admin.py
    ours = from_catalogue(LOCALE / "django.po", "volunteer_portal/catalogue.py")
    lists = (catalogue.PASSWORD_MESSAGES, catalogue.DJANGO_FILTER_MESSAGES, catalogue.AXES_MESSAGES)
    assert len(ours) == sum(len(messages) for messages in lists)
    assert ours <= django_po | django_filter_po | axes_po
    ours_js = from_catalogue(JS_PO, "volunteer_portal/catalogue.js")
    assert ours_js == js_msgids(Path(catalogue.__file__).with_suffix(".js"))
    assert ours_js <= js_msgids(PICKER_JS)


def test_the_js_catalogue_is_translated_and_compiled():
    po = polib.pofile(str(JS_PO))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(JS_PO.with_suffix(".mo"))) if e.msgid}
    assert compiled == {e.msgid: e.msgstr for e in po}, "djangojs.mo is stale: make messages"


LITERAL_LABEL = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"{]*[A-Za-z][^"{]*)"')


def test_no_template_has_an_untranslated_label():
    """Screen readers read these aloud: `aria-label="breadcrumb"` was English on Chinese pages."""
    templates = Path(settings.BASE_DIR) / "templates"
    found = [
        f"{path.relative_to(templates)}: {m.group(0)}"
        for path in templates.rglob("*.html")
        for m in LITERAL_LABEL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found


def test_the_breadcrumb_is_named_in_chinese(client, ecommerce):
    html = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
    assert '<nav aria-label="当前位置">' in html


def test_sort_labels_of_the_roster_are_chinese(client, coordinator, ecommerce):
    from django.urls import reverse

    client.force_login(coordinator)
    html = client.get(reverse("groups:roster", args=["ecommerce"])).content.decode()
    assert "descending" not in html and "（降序）" in html


def test_the_sort_labels_follow_the_pages_language_whenever_they_were_made():
    """They were written once, when the filters' module was imported, in the language of
    that moment: English pages showed Chinese ones (or the other way round)."""
    from django.utils import translation

    from members.filters import MemberFilter

    choices = dict(MemberFilter.base_filters["o"].extra["choices"])
    with translation.override("en"):
        assert str(choices["-employer"]) == "Employer (descending)"
    with translation.override("zh-hans"):
        assert str(choices["-employer"]) == "工作单位（降序）"
    with translation.override("en"):
        assert str(choices["-name"]) == "Name (descending)"


def test_the_login_throttling_pages_in_admin_are_in_chinese(client, admin_user):
    """django-axes ships no Chinese: the portal's catalogue translates its admin."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="x", failures_since_start=5, ip_address="127.0.0.1")
    client.force_login(admin_user)
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for english in ("access attempt", "Attempt Time", "Failed Logins", "Locked Out", "IP Address"):
        assert english not in page, english
    assert "登录尝试" in page
