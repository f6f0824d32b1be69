"""``{% allowed "end" membership as can_end %}``: templates ask the object's policy.

A button is shown only when the policy the service also asks says yes, so a page never
offers an action that would then be refused.
"""

from django import template

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
