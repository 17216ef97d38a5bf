import pytest

from accounts.roles import Role


@pytest.fixture
def officer(make_user):
    """A grant officer, who sets up programmes and rounds."""
    return make_user(Role.GRANT_OFFICER)
