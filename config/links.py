"""Links to many objects of one kind, for pages that list hundreds of rows."""

from collections.abc import Callable

from django.urls import reverse

# A primary key no row will have, to find where the key goes in a path.
_STAND_IN = 987654321


def pk_link(viewname: str) -> Callable[[int], str]:
    """
    A function giving the path of `viewname` for a primary key, as
    reverse(viewname, kwargs={"pk": pk}) would. reverse() costs tens of
    microseconds, and a payment run's page has hundreds of rows with links,
    so the path is reversed once with a stand-in key and the key is put in
    its place for each row.
    """
    before, after = reverse(viewname, kwargs={"pk": _STAND_IN}).rsplit(str(_STAND_IN), 1)
    return lambda pk: f"{before}{int(pk)}{after}"
