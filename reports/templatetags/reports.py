from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def figure(value):
    """A report's number as read: thousands grouped, a decimal only when there is one
    (2,511 · 3.5), and a dash for a figure that cannot be given (no data)."""
    if value is None:
        return "—"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return floatformat(value, "-1g")
    return value
