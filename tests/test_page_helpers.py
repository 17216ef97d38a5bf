"""pk_link: what long tables use instead of reverse() on every row."""

import pytest
from django.urls import reverse

from config.links import pk_link


@pytest.mark.parametrize("name", ["payments:award_detail", "payments:payment_fail",
                                  "grants:officer_application", "grants:recommend"])
@pytest.mark.parametrize("pk", [1, 42, 987654321, 10**12])
def test_pk_link_gives_the_path_reverse_gives(name, pk):
    assert pk_link(name)(pk) == reverse(name, kwargs={"pk": pk})
