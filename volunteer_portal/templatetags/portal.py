"""``{% allowed "end" membership as can_end %}``: templates ask the object's policy.

A button is shown only when the policy the service also asks says yes, so a page never
offers an action that would then be refused.

Also the list pages' filter chips (``active_filters``) and the failed forms' error
summary (``form_field_errors``): both built here, so the templates only lay them out; and
the filter forms' fields rendered once, not on every page view (``as_cached_crispy_field``).
"""

import datetime
import functools
import hashlib
from dataclasses import dataclass

import django_filters
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.core.cache import caches
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from volunteer_portal.permissions import policy_for

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context, action: str, obj) -> bool:
    if obj is None or obj == "":
        return False
    request = context.get("request")
    if request is None:
        return False
    return policy_for(obj).allows(request.user, action, obj)


# --- Filter chips: the active filters of a list page, each a link that removes it ------


@dataclass(frozen=True)
class FilterChip:
    label: str
    value: str
    remove_url: str


@dataclass(frozen=True)
class ActiveFilters:
    chips: list[FilterChip]
    clear_url: str

    def __len__(self) -> int:
        return len(self.chips)

    def __iter__(self):
        return iter(self.chips)


def _query_without(params, names) -> str:
    query = params.copy()
    for name in (*names, "page"):  # another filter means another page count
        query.pop(name, None)
    return f"?{query.urlencode()}"


def _display(field, value) -> str:
    """The value as the filter form shows it: the choice's label, the object's name."""
    if isinstance(value, bool):
        return ""  # a ticked box: its label says it all
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    if isinstance(field, forms.ChoiceField):
        labels = {}
        for key, label in field.choices:
            if isinstance(label, list | tuple):  # an option group
                labels.update({str(k): v for k, v in label})
            else:
                labels[str(key)] = label
        return str(labels.get(str(value), value))
    return str(value)


@register.simple_tag(takes_context=True)
def active_filters(context, filterset) -> ActiveFilters:
    """``{% active_filters filterset as active %}``: the filters the list is narrowed by,
    in the form's order; values the form refused are not applied, so not shown. Sorting
    is not a filter. Each chip links to the same page without it (other parameters kept)."""
    request = context.get("request")
    if request is None or filterset is None or not filterset.is_bound:
        return ActiveFilters([], "?")
    params = request.GET
    form = filterset.form
    form.is_valid()  # the list has validated it already: no new queries
    cleaned = getattr(form, "cleaned_data", {})
    names = [
        name
        for name, spec in filterset.filters.items()
        if not isinstance(spec, django_filters.OrderingFilter)
    ]
    chips = []
    for name in names:
        value = cleaned.get(name)
        if name in form.errors or value in (None, "", False, [], ()):
            continue
        if not any(v.strip() for v in params.getlist(name)):
            continue
        field = form.fields[name]
        chips.append(
            FilterChip(
                label=str(field.label or name),
                value=_display(field, value),
                remove_url=_query_without(params, [name]),
            )
        )
    return ActiveFilters(chips, _query_without(params, names))


# --- Error summary: a failed form's errors, each a link to its field -------------------


@dataclass(frozen=True)
class FieldError:
    label: str
    message: str
    anchor: str  # the id of the input to jump to; "" for hidden fields
    name: str


@register.simple_tag
def form_field_errors(form) -> list[FieldError]:
    """``{% form_field_errors form as errors %}``: every field error in the form's order.
    Errors not tied to a field stay where the form shows them (crispy's alert)."""
    if form is None or not getattr(form, "errors", None):
        return []
    found = []
    for field in form:
        if not field.errors:
            continue
        if field.is_hidden:
            anchor = ""
        else:
            # Checkbox and radio lists have no single id: jump to their first box.
            anchor = field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")
        for message in field.errors:
            found.append(
                FieldError(str(field.label or field.name), message, anchor, field.html_name)
            )
    return found


@register.filter
def choice_label(obj, field_name: str):
    """``{{ member|choice_label:"district" }}``: what ``member.get_district_display``
    shows, from a table made once per field and language. Django's builds a dict of all
    the field's choices on every call, translating each label: 40 µs a cell, 4 ms for the
    two such columns of a 50-row list."""
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field.attname)
    return _choice_labels(field, translation.get_language()).get(value, value)


@functools.lru_cache(maxsize=256)  # the fields with choices, in each language
def _choice_labels(field, language) -> dict:
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def fill_step(percent) -> int:
    """A percentage rounded to the nearest 5 and kept within 0-100: the ``fill-<n>`` class
    that sets a bar's width (portal.css), so templates need no inline style."""
    try:
        value = float(percent)
    except (TypeError, ValueError):
        return 0
    return int(min(max(round(value / 5) * 5, 0), 100))


# --- Filter forms: each field rendered once, then served from memory --------------------
# crispy renders a select through a template per option: the member filters' eight fields
# cost a list page about 10 ms on every view. The HTML of a field is fixed by what the key
# below holds (the language, the field, its value and its choices as read now), so a cached
# copy is never stale: a skill added in the admin changes the choices, so the key.

FILTER_FIELD_SECONDS = 600
# Part of every key: raise it when the fields' markup changes without their key changing.
FILTER_FIELD_VERSION = 1


@register.filter
def as_cached_crispy_field(field):
    """``{{ field|as_cached_crispy_field }}``: crispy's ``as_crispy_field``, from the
    ``fragments`` cache when the same field was rendered with the same value and choices.

    A field with errors, or with a value that is not one of its choices (free text, a
    date), is rendered each time: only the few values a field offers make keys, so
    visitors cannot fill the cache with keys of their own making."""
    key = _filter_field_key(field)
    if key is None:
        return as_crispy_field(field)
    fragments = caches["fragments"]
    html = fragments.get(key)
    if html is None:
        html = str(as_crispy_field(field))
        fragments.set(key, html, FILTER_FIELD_SECONDS)
    return mark_safe(html)  # noqa: S308 - crispy's own output, escaped when rendered


def _filter_field_key(field) -> str | None:
    form, widget = field.form, field.field.widget
    if getattr(form, "helper", None) is not None or field.errors:
        return None
    choices = None
    if isinstance(widget, forms.widgets.ChoiceWidget):
        # Read once (a model's choices: the query rendering made) and rendered from this
        # list, so a miss costs no second query; through iter(), as list() would first ask
        # a model's choices for their len(), a COUNT query.
        widget.choices = list(iter(widget.choices))
        choices = [(str(value), str(label)) for value, label in _flat_choices(widget.choices)]
    value = field.value()
    if not _offered(value, choices):
        return None
    parts = (
        FILTER_FIELD_VERSION,
        translation.get_language(),
        type(form).__module__,
        type(form).__qualname__,
        form.prefix,
        form.auto_id,
        form.is_bound,
        field.html_name,
        str(field.label),
        str(field.help_text),
        field.css_classes(),
        field.field.required,
        field.field.disabled,
        type(field.field).__qualname__,
        type(widget).__qualname__,
        widget.template_name,
        sorted((name, str(attr)) for name, attr in widget.attrs.items()),
        value,
        choices,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"filter-field:{digest}"


def _flat_choices(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):  # an option group
            yield from label
        else:
            yield value, label


def _offered(value, choices) -> bool:
    """Whether ``value`` is empty, a tick box's, or among ``choices``."""
    if value is None or isinstance(value, bool) or value in ("", [], ()):
        return True
    if choices is None:
        return False
    offered = {choice for choice, _label in choices}
    values = value if isinstance(value, list | tuple) else [value]
    return all(isinstance(v, str | int) and str(v) in offered for v in values)


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra):
    """``{% jinja "members/_member_table.html" show_joined=True %}``: a partial drawn by
    Jinja2 (volunteer_portal.jinja), seeing this template's context and ``extra``."""
    template = engines["jinja2"].get_template(template_name)
    flat = context.flatten()
    flat.update(extra)
    for name in template.template.environment.globals:  # the partials' functions win over
        flat.pop(name, None)  # a page's variable of the same name (a QR page's ``url``)
    return mark_safe(template.template.render(flat))  # noqa: S308 - Jinja2 escaped it
