"""Activities, sign-ups with waiting lists and offers, check-in, service hours, certificates.

One module per part (``activity``, ``signup``, ``hours``, ``records``); import them from here.
"""

from activities.models.activity import (
    Activity,
    ActivityEvent,
    ActivityPhoto,
    ActivityQuerySet,
    Brand,
    Theme,
)
from activities.models.hours import HoursCorrectionRequest, HoursEvent, ServiceHours
from activities.models.records import (
    CalendarFeed,
    Certificate,
    new_certificate_code,
    new_feed_token,
)
from activities.models.signup import SignUp, SignUpEvent, SignUpQuerySet

__all__ = [
    "Activity", "ActivityEvent", "ActivityPhoto", "ActivityQuerySet", "Brand",
    "CalendarFeed", "Certificate", "HoursCorrectionRequest", "HoursEvent", "ServiceHours",
    "SignUp", "SignUpEvent", "SignUpQuerySet", "Theme", "new_certificate_code",
    "new_feed_token",
]  # fmt: skip
