import pytest

from tests.factories import MemberFactory, UserFactory


@pytest.fixture
def make_volunteer(db):
    """A function: a volunteer account with a member record (and an email)."""
    counter = iter(range(10_000))

    def make(**member_fields):
        n = next(counter)
        user = UserFactory(username=f"v{n}")
        MemberFactory(user=user, email=f"v{n}@example.com", **member_fields)
        return user

    return make
