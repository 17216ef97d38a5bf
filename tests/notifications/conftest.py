import pytest

from tests.applicants.factories import MembershipFactory


@pytest.fixture
def member(db):
    """An applicant who owns an organisation."""
    return MembershipFactory()
