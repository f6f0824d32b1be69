"""The Jinja2 environment for the partials drawn many times a page or on every page (the
roster's member table, activity cards, the month calendar, the dashboard's lists, the
volunteer's rows and profile, the attendance sheet's rows, the navigation), where the
Django template engine's cost per node was most of the page's time.

They are included from Django templates with ``{% jinja "members/_member_table.html" %}``
(the portal template tags) and see the same context. They live in ``templates/jinja2/``
and are written so that ``makemessages`` finds their strings: ``{{ _("text") }}``, and a
string with a value as ``{{ _("Invited on %(date)s")|format(date=...) }}`` (the msgid is
the one ``{% blocktranslate %}`` would make). Plurals are made in Python and passed in.
"""

import datetime
import functools

from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, linebreaksbr
from django.template.defaultfilters import time as time_filter
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from jinja2 import ChainableUndefined, Environment, pass_context


def url(name: str, *args) -> str:
    """``{% url %}``: the address of a route, reversed once per route, arguments, script
    prefix and URL configuration (a reverse costs 20–40 µs; the navigation has twenty)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(name, tuple(str(arg) for arg in args), get_script_prefix(), urlconf)


@functools.lru_cache(maxsize=2048)
def _reversed(name: str, args: tuple, script_prefix: str, urlconf) -> str:
    return reverse(name, args=args, urlconf=urlconf)


def languages() -> list[tuple[str, str]]:
    """The language switcher's choices: (code, the language's own name for itself)."""
    return [
        (code, translation.get_language_info(code)["name_local"])
        for code, _name in settings.LANGUAGES
    ]


def pk_url(name: str, pk) -> str:
    """``url(name, pk)`` for a route with one ``<int:pk>``, reversed once (per script
    prefix) and then filled in: a reverse costs 40 µs, 2 ms for a page of 50 rows."""
    head, tail = _pk_url_parts(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


@functools.lru_cache(maxsize=256)
def _pk_url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    marker = 987654321987
    head, tail = reverse(name, args=[marker]).rsplit(str(marker), 1)
    return head, tail


def localtime(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date(value, arg=None):
    """Django's ``date`` filter, on the local time as in Django templates (which convert an
    aware datetime before the filter sees it): a join at 07:00 UTC on the 1st is the 1st in
    Zhangzhou, one at 20:00 UTC the 2nd."""
    return date_filter(localtime(value), arg)


def time(value, arg=None):
    return time_filter(localtime(value), arg)


def places_left(count: int) -> str:
    """An activity card's badge (the msgid of the Django templates' plural)."""
    return translation.ngettext("%(counter)s place left", "%(counter)s places left", count) % {
        "counter": count
    }


def more_label(count: int) -> str:
    """A busy day's link to the rest of its activities in the month calendar."""
    return translation.ngettext("%(counter)s more", "%(counter)s more", count) % {"counter": count}


def widget_value(bound_field):
    """The value a form field's input shows, as its widget writes it (``value=""``)."""
    return bound_field.field.widget.format_value(bound_field.value())


@pass_context
def allowed(context, action: str, obj) -> bool:
    """``allowed("accept", signup)``: what ``{% allowed %}`` answers (the object's policy
    for the request's user)."""
    from volunteer_portal.templatetags.portal import allowed as allowed_tag

    return allowed_tag(context, action, obj)


def environment(**options) -> Environment:
    from volunteer_portal.templatetags.portal import choice_label, fill_step

    options.pop("autoescape", None)  # Django's backend asks for it too; never off
    # What is missing shows as nothing, as in Django templates (an attribute of something
    # missing too): never the variable's name (Django's DEBUG default), never an error.
    options["undefined"] = ChainableUndefined
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(
        translation.gettext, translation.ngettext,
        pgettext=translation.pgettext, npgettext=translation.npgettext, newstyle=False,
    )  # fmt: skip
    env.globals.update(
        url=url,
        languages=languages,
        pk_url=pk_url,
        static=static,
        places_left=places_left,
        more_label=more_label,
        allowed=allowed,
        widget_value=widget_value,
    )
    env.filters.update(
        date=date, time=time, localtime=localtime, floatformat=floatformat,
        linebreaksbr=linebreaksbr, choice_label=choice_label, fill_step=fill_step,
    )  # fmt: skip
    return env
