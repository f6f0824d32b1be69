"""Writes to service groups. Every change goes through here, never through views."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from groups.models import ServiceGroup
from groups.permissions import group_policy

COORDINATOR_EDITABLE_FIELDS = ("mission_zh", "mission_en", "emblem")


@transaction.atomic
def group_update(*, actor, group: ServiceGroup, data: dict) -> ServiceGroup:
    """Change a group's public profile (mission texts, emblem).

    Coordinators may change only these fields of their own groups; everything else
    (names, slug, order, active flag) is for admins in Django admin.
    """
    if not group_policy.can_change(actor, group):
        raise PermissionDenied
    unknown = set(data) - set(COORDINATOR_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    for name, value in data.items():
        # save_form_data knows the file-field conventions (False clears the emblem).
        ServiceGroup._meta.get_field(name).save_form_data(group, value)
    group.full_clean()
    group.save(update_fields=[*data.keys()])
    return group
