"""``{% allowed "end" membership as can_end %}``: templates ask the object's policy.

A button is shown only when the policy the service also asks says yes, so a page never
offers an action that would then be refused.

Also the list pages' filter chips (``active_filters``) and the failed forms' error
summary (``form_field_errors``): both built here, so the templates only lay them out.
"""

import datetime
from dataclasses import dataclass

import django_filters
from django import forms, template

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
def fill_step(percent) -> int:
    """A percentage rounded to the nearest 5 and kept within 0-100: the ``fill-<n>`` class
    that sets a bar's width (portal.css), so templates need no inline style."""
    try:
        value = float(percent)
    except (TypeError, ValueError):
        return 0
    return int(min(max(round(value / 5) * 5, 0), 100))
