"""Writes to service groups and memberships. Every change goes through here."""

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction

from groups.models import ServiceGroup
from groups.permissions import group_policy

# Sentinel for "leave the emblem as it is".
KEEP = object()


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def group_update_profile(
    *,
    actor,
    group: ServiceGroup,
    mission_zh: str,
    mission_en: str,
    emblem: File | None | object = KEEP,
) -> ServiceGroup:
    """Change a group's public profile: mission texts and emblem (``None`` removes it).

    Coordinators may change only these fields of their own groups; names, slug, order
    and the active flag are for admins in Django admin. Raises ``ValidationError``
    when the result would be invalid; nothing is saved then.
    """
    if not group_policy.can_change(actor, group):
        raise PermissionDenied
    group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
    old_emblem = group.emblem.name
    group.mission_zh, group.mission_en = mission_zh, mission_en
    if emblem is None:
        group.emblem = ""
    elif emblem is not KEEP:
        group.emblem = emblem
    group.full_clean()
    group._history_user = actor
    group.save()
    if old_emblem and old_emblem != group.emblem.name:
        _delete_file_on_commit(group.emblem.storage, old_emblem)
    return group
