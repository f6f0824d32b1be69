"""Who may see and act on activities, sign-ups and hours (built on the group policy).

Each ``can_<action>`` joins two things: the role (``can_manage``, the volunteer's own
record) and the state of the object (a property of the model, such as
``Activity.publishable``). Views declare the role; services check the role (403) and
then the same property (a message), so a button shown by ``{% allowed %}`` and the action
behind it agree.

=========================  ======================================================
``activity_policy``
``can_view``               published ones for everyone; drafts for their managers
``can_manage``             the role: the group's current coordinators and admins
``can_publish`` ...        ``can_manage`` + ``Activity.publishable`` / ``cancellable`` /
                           ``completable()`` / ``hours_recordable()`` (fill_hours,
                           record_attendance) / ``hours_approvable()`` (approve_hours:
                           once the activity has ended)
``signup_state()``         may this person sign up now (the page and signup_create)
``signup_policy``
``can_own``                the role: the volunteer themself
``can_cancel/accept``      ``can_own`` + ``SignUp.cancellable()`` / ``offer_open()``
``can_remove/promote``     ``can_manage`` + live / ``SignUp.promotable(...)``
``can_record_hours``       ``can_manage``, not one's own row, ``SignUp.hours_recordable()``
``can_correct_hours``      ``can_record_hours`` + ``Activity.hours_approvable()``
``can_request_correction`` ``can_own`` + under way + no request open
``hours_policy``           ``can_approve``: ``ServiceHours.approvable`` + ``can_correct_hours``
``correction_policy``      ``can_decide``: open + ``can_correct_hours`` (accepting approves)
``certificate_policy``     the holder only (anyone verifies a code on its public page)
=========================  ======================================================
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, Value

from activities.models import Activity, Certificate, HoursCorrectionRequest, ServiceHours, SignUp
from groups.permissions import group_policy
from volunteer_portal.permissions import Policy, is_admin, is_self, managed_group_ids


class ActivityPolicy(Policy):
    model = Activity

    def scope_view(self, user):
        """Published, cancelled and completed activities of visible groups for everyone;
        drafts only for the group's coordinators and admins."""
        activities = Activity.objects.filter(group__in=group_policy.instances_for(user))
        if is_admin(user, "activities.view_activity"):
            return activities
        managed = Q(group_id__in=managed_group_ids(user))
        activities = activities.filter(~Q(status=Activity.Status.DRAFT) | managed)
        # Invitation-only ones (a service request's) for their managers and those asked.
        asked = (
            Exists(SignUp.objects.filter(activity=OuterRef("pk"), member__user=user))
            if user.is_authenticated
            else Value(False)
        )
        return activities.filter(~Q(eligibility=Activity.Eligibility.INVITED) | managed | Q(asked))

    def scope_manage(self, user):
        if is_admin(user, "activities.change_activity"):
            return Activity.objects.all()
        return Activity.objects.filter(group_id__in=managed_group_ids(user))

    def can_view(self, user, activity: Activity) -> bool:
        if self.can_manage(user, activity):
            return True
        if activity.eligibility == Activity.Eligibility.INVITED:
            return user.is_authenticated and activity.signups.filter(member__user=user).exists()
        return activity.status != Activity.Status.DRAFT

    def can_manage(self, user, activity: Activity) -> bool:
        """The role: the group's current coordinators, and admins."""
        return is_admin(user, "activities.change_activity") or activity.group_id in (
            managed_group_ids(user)
        )

    can_change = can_manage
    can_copy = can_manage

    def can_publish(self, user, activity: Activity) -> bool:
        return self.can_manage(user, activity) and activity.publishable

    def can_cancel(self, user, activity: Activity) -> bool:
        return self.can_manage(user, activity) and activity.cancellable

    def can_complete(self, user, activity: Activity) -> bool:
        return self.can_manage(user, activity) and activity.completable()

    def can_fill_hours(self, user, activity: Activity) -> bool:
        """Attendance and hours: once check-in has opened, never for a cancelled one."""
        return self.can_manage(user, activity) and activity.hours_recordable()

    can_record_attendance = can_fill_hours

    def can_approve_hours(self, user, activity: Activity) -> bool:
        """Approving locks hours: only once the activity has ended."""
        return self.can_manage(user, activity) and activity.hours_approvable()


class SignUpState:
    """Where a volunteer stands with an activity's sign-up: what the page offers, and the
    reason the service gives when it refuses."""

    LOGIN = "login"
    NO_PROFILE = "no_profile"
    OPEN = "open"
    WAITING_LIST = "waiting_list"  # full: signing up joins the waiting list
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    MEMBERS_ONLY = "members_only"
    INVITED_ONLY = "invited_only"
    INACTIVE = "inactive"
    SIGNED_UP = "signed_up"
    OVERLAP = "overlap"

    JOINABLE = frozenset({OPEN, WAITING_LIST})


def signup_state(
    activity: Activity,
    *,
    now: datetime.datetime,
    anonymous: bool = False,
    member=None,
    places_left: int | None,
    live_signup: SignUp | None = None,
    is_group_member: bool = False,
    clash: SignUp | None = None,
) -> str:
    """The one rule for "may this person sign up now". The activity page calls it with
    facts read for the page; ``signup_create`` with facts read under its locks."""
    if live_signup is not None:
        return SignUpState.SIGNED_UP
    if (
        activity.status != Activity.Status.PUBLISHED
        or now >= activity.starts_at
        or now >= activity.signup_closes
    ):
        return SignUpState.CLOSED
    if activity.signup_opens_at and now < activity.signup_opens_at:
        return SignUpState.NOT_YET_OPEN
    if anonymous:
        return SignUpState.LOGIN
    if member is None:
        return SignUpState.NO_PROFILE
    if member.status != member.Status.ACTIVE:
        return SignUpState.INACTIVE
    if activity.eligibility == Activity.Eligibility.INVITED:
        return SignUpState.INVITED_ONLY
    if activity.eligibility == Activity.Eligibility.MEMBERS and not is_group_member:
        return SignUpState.MEMBERS_ONLY
    if clash is not None:
        return SignUpState.OVERLAP
    if places_left is not None and places_left <= 0:
        return SignUpState.WAITING_LIST
    return SignUpState.OPEN


class SignUpPolicy(Policy):
    """Sign-ups: the volunteer acts on their own; the activity's managers on everyone's."""

    model = SignUp

    def scope_view(self, user):
        if not user.is_authenticated:
            return SignUp.objects.none()
        visible = activity_policy.instances_for(user)
        return SignUp.objects.filter(activity__in=visible).filter(
            Q(member__user=user) | Q(activity__in=activity_policy.instances_for(user, "manage"))
        )

    def scope_own(self, user):
        """The volunteer's own sign-ups, also in groups no longer shown (a record stays
        theirs: they may still ask for a correction)."""
        if not user.is_authenticated:
            return SignUp.objects.none()
        return SignUp.objects.filter(member__user=user)

    def may_manage(self, user, signup: SignUp) -> bool:
        return activity_policy.can_manage(user, signup.activity)

    can_manage = may_manage

    def can_view(self, user, signup: SignUp) -> bool:
        return is_self(user, signup.member) or self.may_manage(user, signup)

    def can_own(self, user, signup: SignUp) -> bool:
        return is_self(user, signup.member)

    def can_cancel(self, user, signup: SignUp) -> bool:
        return is_self(user, signup.member) and signup.cancellable()

    def can_accept(self, user, signup: SignUp) -> bool:
        return is_self(user, signup.member) and signup.offer_open()

    def can_remove(self, user, signup: SignUp) -> bool:
        return self.may_manage(user, signup) and signup.is_live

    def can_promote(self, user, signup: SignUp) -> bool:
        """Needs the facts the participants page reads (``participation.participants``): the
        activity's ``places_left`` and the sign-up's ``clashes``."""
        if not hasattr(signup.activity, "places_left") or not hasattr(signup, "clashes"):
            raise ImproperlyConfigured(
                "can_promote needs Activity.objects.with_taken() and participation.participants()."
            )
        return self.may_manage(user, signup) and signup.promotable(
            signup.activity.places_left, clashes=signup.clashes
        )

    def can_record_hours(self, user, signup: SignUp) -> bool:
        """Set or correct hours: the activity's managers, never for their own row."""
        return (
            self.may_manage(user, signup)
            and not is_self(user, signup.member)
            and signup.hours_recordable()
        )

    def can_correct_hours(self, user, signup: SignUp) -> bool:
        """Write approved hours (approve, correct): as above, once the activity has ended."""
        return self.can_record_hours(user, signup) and signup.activity.hours_approvable()

    def can_request_correction(self, user, signup: SignUp) -> bool:
        """The volunteer's own confirmed sign-up, once hours can be recorded, with no request
        open (reads ``has_open_correction`` where the list annotated it, as the service
        record does, else ``corrections``: prefetch them for a list)."""
        has_open = getattr(signup, "has_open_correction", None)
        if has_open is None:
            has_open = any(
                c.status == HoursCorrectionRequest.Status.OPEN for c in signup.corrections.all()
            )
        return is_self(user, signup.member) and signup.hours_recordable() and not has_open


class ServiceHoursPolicy(Policy):
    model = ServiceHours

    def scope_view(self, user):
        return ServiceHours.objects.filter(signup__in=signup_policy.instances_for(user))

    def can_manage(self, user, entry: ServiceHours) -> bool:
        return activity_policy.can_manage(user, entry.signup.activity)

    def can_approve(self, user, entry: ServiceHours) -> bool:
        return entry.approvable and signup_policy.can_correct_hours(user, entry.signup)


class CorrectionPolicy(Policy):
    model = HoursCorrectionRequest

    def scope_view(self, user):
        return HoursCorrectionRequest.objects.filter(signup__in=signup_policy.instances_for(user))

    def can_manage(self, user, request: HoursCorrectionRequest) -> bool:
        return activity_policy.can_manage(user, request.signup.activity)

    def can_decide(self, user, request: HoursCorrectionRequest) -> bool:
        return (
            request.status == HoursCorrectionRequest.Status.OPEN
            and signup_policy.can_correct_hours(user, request.signup)
        )


class CertificatePolicy(Policy):
    """A certificate's printable page is its holder's; anyone checks a code on the
    verification page, which shows only what the certificate states."""

    model = Certificate

    def scope_view(self, user):
        if not user.is_authenticated:
            return Certificate.objects.none()
        return Certificate.objects.filter(member__user=user)

    def can_view(self, user, certificate: Certificate) -> bool:
        return is_self(user, certificate.member)


activity_policy = ActivityPolicy().register()
signup_policy = SignUpPolicy().register()
hours_policy = ServiceHoursPolicy().register()
correction_policy = CorrectionPolicy().register()
certificate_policy = CertificatePolicy().register()
