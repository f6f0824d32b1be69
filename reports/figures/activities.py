"""Activities held in the period: by kind, theme and brand; their sign-ups, attendance,
cancellations and waiting-list promotions; the people they served."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, SignUp, SignUpEvent
from reports.figures.tables import Figure, Section, Table, bilingual, percent

A = Activity.Status
# A place won from the waiting list: moved up when a place freed, by a coordinator's hand,
# or by accepting an offer of one.
PROMOTIONS = (SignUpEvent.PROMOTED, SignUpEvent.MOVED_UP_BY_HAND, SignUpEvent.OFFER_ACCEPTED)


def in_period(scope, period):
    return Activity.objects.filter(
        group_id__in=scope.group_ids, starts_at__gte=period.start_at, starts_at__lt=period.end_at
    )


def held(scope, period):
    """Published or completed, and over (ended by now): as the public summary counts."""
    return in_period(scope, period).filter(
        status__in=(A.PUBLISHED, A.COMPLETED), ends_at__lte=timezone.now()
    )


# People served by an activity: for a request's, the number its group reported on the
# request when completing it, else the activity's own (the public summary's rule too).
PEOPLE = Coalesce("service_request__people_served", "beneficiaries")


def section(scope, period) -> Section:
    activities = held(scope, period)
    totals = activities.aggregate(held=Count("pk"), served=Sum(PEOPLE))
    cancelled = in_period(scope, period).filter(status=A.CANCELLED).count()
    signups = SignUp.objects.filter(activity__in=activities)
    confirmed = Q(status=SignUp.Status.CONFIRMED)
    # Came: marked present, or checked in and not marked absent afterwards.
    came = confirmed & (Q(attended=True) | Q(attended__isnull=True, checked_in_at__isnull=False))
    counts = signups.aggregate(
        signups=Count("pk", filter=~Q(status=SignUp.Status.REMOVED)),
        confirmed=Count("pk", filter=confirmed),
        came=Count("pk", filter=came),
        cancelled=Count("pk", filter=Q(status=SignUp.Status.CANCELLED)),
    )
    promoted = (
        SignUp.history.filter(
            activity_id__in=activities.values("pk"), history_change_reason__in=PROMOTIONS
        )
        .values("id")
        .distinct()
        .count()
    )
    by_kind = {
        kind: (n, people or 0)
        for kind, n, people in activities.order_by()
        .values_list("kind")
        .annotate(n=Count("pk"), people=Sum(PEOPLE))
    }
    kind_rows = [
        [str(label), n, by_kind[value][1]]
        for value, label in Activity.Kind.choices
        for n in [by_kind.get(value, (0, 0))[0]]
        if n
    ]
    themes = (
        Activity.themes.through.objects.filter(activity__in=activities)
        .values_list("theme__name", "theme__name_en")
        .annotate(n=Count("activity_id"))
        .order_by("-n", "theme__name")
    )
    brands = (
        activities.exclude(brand=None)
        .order_by()
        .values_list("brand__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "brand__name")
    )
    return Section(
        "activities",
        _("Activities"),
        figures=[
            Figure(_("Activities held"), totals["held"], "held"),
            Figure(_("Activities cancelled"), cancelled, "cancelled"),
            Figure(_("Sign-ups"), counts["signups"], "signups"),
            Figure(_("Confirmed places"), counts["confirmed"], "confirmed"),
            Figure(
                _("Attendance rate (%)"), percent(counts["came"], counts["confirmed"]), "attendance"
            ),
            Figure(_("Sign-ups cancelled"), counts["cancelled"], "signups_cancelled"),
            Figure(_("Places won from the waiting list"), promoted, "promoted"),
            Figure(_("People served"), totals["served"] or 0, "people_served"),
        ],
        tables=[
            Table(
                "activities_kind",
                _("By kind"),
                [_("Kind"), _("Activities"), _("People served")],
                kind_rows,
            ),
            Table(
                "activities_theme",
                _("By theme"),
                [_("Theme"), _("Activities")],
                [[bilingual(zh, en), n] for zh, en, n in themes],
                "bar",
                _("An activity with several themes counts under each."),
            ),
            Table(
                "activities_brand",
                _("By brand"),
                [_("Brand"), _("Activities")],
                [list(row) for row in brands],
                "bar",
            ),
        ],
        note=_(
            "An activity counts in the period in which it starts. Held: published or "
            "completed, and over. Attendance rate: confirmed places checked in or marked "
            "present, of all confirmed places. People served: as reported on the activity, "
            "or on its service request."
        ),
    )
