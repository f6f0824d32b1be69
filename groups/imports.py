"""Importing a roster from CSV or XLSX into a group: read, check, preview, then write.

Reading is ``members.spreadsheets``' (the csv module, openpyxl's streaming mode, and
the web's limits against hostile files); the row mechanics are django-import-export's,
driven by the same ``MemberResource`` columns as the export, so an exported file
re-imports unchanged. The import is all or nothing: one bad row
and nothing is written, and the report names every bad row, column and reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from groups.models import Membership, MembershipEvent, ServiceGroup
from groups.permissions import group_policy
from members.cells import PhoneWidget
from members.models import Invitation, Member
from members.permissions import member_policy
from members.resources import (
    COLUMNS,
    HEADERS,
    REQUIRED_HEADERS,
    FieldChange,
    MemberResource,
    RowUpdate,
    canonical_header,
)
from members.services import invitations_create
from members.spreadsheets import (
    NO_LIMITS,
    ImportFileError,
    ReadLimits,
    TimeBudget,
    read_rows,
)
from volunteer_portal.audit import bulk_updated
from volunteer_portal.permissions import is_admin

HEADER_BY_ATTRIBUTE = {attribute: zh for attribute, zh, _en, _w in COLUMNS}


@dataclass
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_names: list[str] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    committed: bool = False
    # How many problems there are, when only the first few are kept (``as_data``).
    problems_total: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) if self.problems_total is None else self.problems_total

    SHOWN = 200  # rows of each list the preview shows

    def as_data(self) -> dict:
        """The report as JSON data (a background preview keeps it in its job), with the
        first ``SHOWN`` names, changes and problems: what the preview shows."""
        return {
            "total": self.total,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "new_names": self.new_names[: self.SHOWN],
            "updates": [asdict(update) for update in self.updates[: self.SHOWN]],
            "problems": [asdict(problem) for problem in self.problems[: self.SHOWN]],
            "problems_total": self.problem_count,
        }

    @classmethod
    def from_data(cls, data: dict) -> ImportReport:
        return cls(
            total=data["total"],
            new=data["new"],
            updated=data["updated"],
            unchanged=data["unchanged"],
            committed=data["committed"],
            new_names=data["new_names"],
            updates=[
                RowUpdate(u["name"], u["phone"], [FieldChange(**c) for c in u["changes"]])
                for u in data["updates"]
            ],
            problems=[RowProblem(**problem) for problem in data["problems"]],
            problems_total=data["problems_total"],
        )


def read_table(content: bytes, filename: str, limits: ReadLimits = NO_LIMITS) -> tablib.Dataset:
    """Turn an upload into a dataset with canonical (Chinese) headers.

    ``limits`` (the web's: ``ReadLimits.for_web()``) refuse a file that is too much before
    its rows are checked; the command line reads without them.
    """
    header, rows = read_rows(content, filename, limits)
    headers, unknown = [], []
    for cell in header:
        canonical = canonical_header(cell)
        if canonical is None:
            if str(cell or "").strip():
                unknown.append(str(cell))
            canonical = f"__ignored_{len(headers)}"
        headers.append(canonical)
    if unknown:
        shown = "、".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")
        raise ImportFileError(
            _("Unknown columns: %(columns)s. Use the template's column names.") % {"columns": shown}
        )
    missing = [h for h in REQUIRED_HEADERS if h not in headers]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)}
        )
    clean = tablib.Dataset(headers=headers)
    for row in rows:
        clean.append(row)
    return clean


def template_dataset() -> tablib.Dataset:
    return tablib.Dataset(headers=list(HEADERS))


class GroupRosterResource(MemberResource):
    """Members of one group: each imported row ends as an active member of the group.

    A coordinator's file may update only members they already manage (a live membership
    in one of their groups); a phone that belongs to anyone else is a row problem, never
    an overwrite. Admins (and the management command, ``actor=None``) may update anyone.

    Memberships are written in bulk after the members (the same rule as
    ``services.membership_ensure_active``: a pending application is approved, anyone
    else gets a new active membership).
    """

    def __init__(self, *, group: ServiceGroup, actor, reveal_national_id: bool, budget=None):
        super().__init__(reveal_national_id=reveal_national_id, actor=actor, budget=budget)
        self.group = group
        # member id → status of their live membership here (statuses only: 50,000
        # Membership objects would be most of a large import's memory)
        self.live_status: dict[int, str] = {}
        self.not_managed: set[int] = set()

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        phones = {self.fields["phone"].widget.clean(p) for p in dataset["手机号"]}
        live = Membership.objects.filter(group=self.group, member__phone__in=phones).live()
        self.live_status = dict(live.values_list("member_id", "status"))
        if self.actor is not None:
            managed = member_policy.instances_for(self.actor, "manage")
            self.not_managed = set(
                Member.objects.filter(phone__in=phones)
                .exclude(pk__in=managed.values("pk"))
                .values_list("pk", flat=True)
            )

    def import_instance(self, instance, row, **kwargs):
        if instance.pk in self.not_managed:
            raise ValidationError(
                {
                    "phone": _(
                        "This phone belongs to a member of another group, whose record you "
                        "cannot change; ask an administrator."
                    )
                }
            )
        super().import_instance(instance, row, **kwargs)

    def is_active_here(self, member: Member) -> bool:
        return self.live_status.get(member.pk) == Membership.Status.ACTIVE

    def skip_row(self, instance, original, row, import_validation_errors=None):
        skip = super().skip_row(instance, original, row, import_validation_errors)
        # An unchanged member who is not yet active here still needs the membership.
        return skip and self.is_active_here(instance)

    def after_bulk_save(self, members, *, created):
        super().after_bulk_save(members, created=created)
        now = timezone.now()
        applied, create = [], []
        for member in members:
            status = self.live_status.get(member.pk)
            if status is None:
                create.append(
                    Membership(member=member, group=self.group, status=Membership.Status.ACTIVE)
                )
            elif status == Membership.Status.APPLIED:
                applied.append(member.pk)
        if create:
            bulk_create_with_history(
                create,
                Membership,
                default_user=self.actor,
                default_change_reason=MembershipEvent.IMPORTED,
            )
            bulk_updated.send(sender=Membership, objs=create)  # the groups' member counts
        approve = (
            list(
                Membership.objects.live().filter(
                    group=self.group, member_id__in=applied, status=Membership.Status.APPLIED
                )
            )
            if applied
            else []
        )
        for membership in approve:
            membership.status = Membership.Status.ACTIVE
            membership.decided_at, membership.decided_by = now, self.actor
        for member_id in [m.member_id for m in create] + applied:
            self.live_status[member_id] = Membership.Status.ACTIVE
        if approve:
            bulk_update_with_history(
                approve,
                Membership,
                ["status", "decided_at", "decided_by"],
                default_user=self.actor,
                default_change_reason=MembershipEvent.IMPORTED,
            )
            bulk_updated.send(sender=Membership, objs=approve)


def _column(attribute: str) -> str:
    if attribute == NON_FIELD_ERRORS:
        return ""
    return HEADER_BY_ATTRIBUTE.get(attribute, attribute)


def build_report(result, *, committed: bool) -> ImportReport:
    report = ImportReport(total=result.total_rows, committed=committed)
    for row_result in result.rows:
        name = getattr(row_result, "object_repr", "") or ""
        if row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            report.new += 1
            report.new_names.append(name)
        elif row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            report.updated += 1
            report.updates.append(row_result.update)
        elif row_result.import_type == RowResult.IMPORT_TYPE_SKIP:
            report.unchanged += 1
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            for message in messages:
                report.problems.append(RowProblem(invalid.number + 1, _column(attribute), message))
    for number, errors in result.row_errors():
        for error in errors:
            report.problems.append(RowProblem(number + 1, "", str(error.error)))
    for error in result.base_errors:  # a whole-batch failure, e.g. a database refusal
        report.problems.append(RowProblem(0, "", str(error.error)))
    report.problems.sort(key=lambda p: p.row)
    return report


def roster_import(
    *,
    actor,
    group: ServiceGroup,
    dataset: tablib.Dataset,
    dry_run: bool,
    budget: TimeBudget | None = None,
) -> ImportReport:
    """Import rows into the group's roster; with ``dry_run`` only report what would happen.

    Runs in one transaction: if any row is invalid, nothing is written. Past the time
    ``budget`` it stops, writes nothing and raises ``ImportTooSlow``.
    """
    if actor is not None and not group_policy.can_change(actor, group):
        raise PermissionDenied
    resource = GroupRosterResource(
        group=group,
        actor=actor,
        # Admins' exports carry full identity numbers; everyone else's are masked.
        reveal_national_id=actor is None or is_admin(actor, "members.change_member"),
        budget=budget,
    )
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    committed = not dry_run and not result.has_errors() and not result.has_validation_errors()
    return build_report(result, committed=committed)


@dataclass
class InvitationReport:
    invited: int = 0
    no_email: int = 0
    refused: int = 0  # the member cannot be invited (inactive, a username already taken)


def invite_imported(*, actor, dataset: tablib.Dataset) -> InvitationReport:
    """After an import: email an invitation to each member of the file who has no account
    yet and no invitation still open. Members without an email address are counted, not
    invited (a coordinator can hand them a link in person from their page).

    In bulk (``invitations_create``): one invitation at a time took 20 ms, so inviting
    a 30,000-row file held the request for ten minutes after the import had committed.
    """
    phones = {PhoneWidget().clean(value) for value in dataset["手机号"]}
    candidates = Member.objects.filter(phone__in=phones, user__isnull=True).exclude(
        pk__in=Invitation.objects.open().values("member_id")
    )
    report = InvitationReport()
    with_email = []
    for pk, email in candidates.values_list("pk", "email"):
        if email:
            with_email.append(pk)
        else:
            report.no_email += 1
    if with_email:
        invitations, report.refused = invitations_create(
            actor=actor, member_ids=with_email, channel=Invitation.Channel.EMAIL
        )
        report.invited = len(invitations)
    return report
