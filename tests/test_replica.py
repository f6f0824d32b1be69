"""Issue 13: the reports and the roster's exports may read from a read replica
(``DATABASE_REPLICA_URL``); every other read, and every write, goes to the primary.

The test settings define the alias ``replica`` as a second connection to the test
database (a test "mirror", which is what a replica is to the primary, without the lag);
these tests turn it on with ``READ_REPLICA``. Transactional: the second connection sees
only what is committed, as a replica does."""

import datetime
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ServiceHours
from groups import jobs
from groups.models import RosterJob
from members.models import Member
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory, SignUpFactory
from volunteer_portal.replica import replica_reads

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "replica"]
)


@pytest.fixture
def replica(settings):
    settings.READ_REPLICA = "replica"
    return connections["replica"]


class Both:
    """The queries each connection ran in the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def tables(self, which) -> str:
        return " ".join(query["sql"] for query in getattr(self, which).captured_queries)


@pytest.fixture
def served(ecommerce, coordinator):
    """An approved hours entry of this year, and three members on the roster."""
    members = [MemberFactory(full_name=f"成员{n}", phone=f"1370000000{n}") for n in range(3)]
    for member in members:
        MembershipFactory(member=member, group=ecommerce)
    starts = timezone.now() - datetime.timedelta(days=1)
    signup = SignUpFactory(
        activity=ActivityFactory(group=ecommerce, starts_at=starts), member=members[0]
    )
    ServiceHours.objects.create(
        signup=signup,
        hours=Decimal("2"),
        status=ServiceHours.Status.APPROVED,
        approved_by=coordinator,
        approved_at=timezone.now(),
    )
    return members


def test_reads_go_to_the_replica_only_when_asked_and_writes_never(replica):
    assert replica is not connections["default"]  # a connection of its own
    member = MemberFactory(full_name="主库写入")
    assert Member.objects.filter(pk=member.pk).db == "default"
    with replica_reads():
        assert Member.objects.filter(pk=member.pk).db == "replica"
        read = Member.objects.get(pk=member.pk)
    assert read._state.db == "replica"
    with Both() as queries:
        read.full_name = "改名"
        read.save(update_fields=["full_name"])  # back to the primary, where it was read from
    assert "UPDATE" in queries.tables("primary") and not queries.replica.captured_queries


def test_without_a_replica_everything_reads_the_primary(settings, client, admin_user, served):
    assert settings.READ_REPLICA is None
    client.force_login(admin_user)
    with Both() as queries:
        assert client.get(reverse("reports:report")).status_code == 200
    assert not queries.replica.captured_queries
    assert "activities_servicehours" in queries.tables("primary")


def test_the_report_reads_its_figures_from_the_replica(replica, client, admin_user, served):
    client.force_login(admin_user)
    with Both() as queries:
        page = client.get(reverse("reports:report"))
    assert page.status_code == 200 and "2" in page.content.decode()
    assert "activities_servicehours" in queries.tables("replica")
    # The primary answered who is asking (the session, the user, the permission) only.
    assert "activities_servicehours" not in queries.tables("primary")

    with Both() as queries:
        workbook = client.get(reverse("reports:report-xlsx"))
    assert workbook.status_code == 200
    assert "activities_servicehours" in queries.tables("replica")
    assert "activities_servicehours" not in queries.tables("primary")


def test_the_ledgers_streamed_file_reads_the_replica_as_it_is_sent(
    replica, client, admin_user, served
):
    client.force_login(admin_user)
    today = timezone.localdate()
    with Both() as queries:
        response = client.get(
            reverse("reports:ledger"),
            {
                "range": "custom",
                "start": f"{today.year - 1}-01-01",
                "end": f"{today}",
                "format": "csv",
            },  # fmt: skip
        )
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and "成员0".encode() in body
    assert "activities_servicehours" in queries.tables("replica")
    assert "activities_servicehours" not in queries.tables("primary")


def test_the_roster_export_reads_the_replica_and_the_roster_page_does_not(
    replica, client, coordinator, served
):
    client.force_login(coordinator)
    with Both() as queries:
        response = client.get(reverse("groups:roster-export", args=["ecommerce", "csv"]))
        body = b"".join(response.streaming_content)
    assert "成员2".encode() in body
    assert "members_member" in queries.tables("replica")
    assert '"members_member"."full_name"' not in queries.tables("primary")

    with Both() as queries:
        assert client.get(reverse("groups:roster", args=["ecommerce"])).status_code == 200
    assert not queries.replica.captured_queries  # a page shows what was just saved


def test_a_background_export_reads_its_rows_from_the_replica(
    replica, settings, tmp_path, coordinator, ecommerce, served
):
    settings.IMPORT_SPOOL_DIR = tmp_path
    job = RosterJob.objects.create(
        group=ecommerce,
        requested_by=coordinator,
        kind=RosterJob.Kind.EXPORT,
        parameters={"query": "", "format": "csv", "filename": "r.csv"},
    )
    with Both() as queries:
        assert jobs.job_run(job.pk) == jobs.CLAIMED
    job.refresh_from_db()
    assert job.status == "done" and job.total == 3
    assert '"members_member"."full_name"' in queries.tables("replica")
    assert '"members_member"."full_name"' not in queries.tables("primary")
    assert "UPDATE" in queries.tables("primary")  # the job's own state: written to the primary


def test_the_replica_is_configured_from_its_url_as_the_primary_is():
    from tests.conftest import settings_read_afresh

    found = settings_read_afresh(
        "[s.READ_REPLICA, s.DATABASES['replica'], s.DATABASES['default']['OPTIONS']]",
        DATABASE_URL="postgres://portal@db1:5432/portal",
        DATABASE_REPLICA_URL="postgres://reader@db2:5432/portal",
    )
    alias, replica, primary_options = found
    assert alias == "replica"
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("db2", "reader", "portal")
    assert replica["CONN_MAX_AGE"] == 60 and replica["CONN_HEALTH_CHECKS"] is True
    assert replica["OPTIONS"] == primary_options == {"options": "-c jit=off"}
    assert settings_read_afresh("s.READ_REPLICA", without=("DATABASE_REPLICA_URL",)) is None
