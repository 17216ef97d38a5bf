"""
Keeping what someone typed when their session ran out.

A person who leaves a page open past the end of their session and then
presses Save is no longer signed in. Rather than lose their answers, the
page's POST is kept in the (anonymous) session under the page's path before
they are sent to sign in; signing in keeps the session's data (Django cycles
the key), and when the same page is opened again by someone allowed to
change that application, the answers are put back into the form to check
and save. Nothing is saved to the application until they press a button.

Written here because no library does this: django-allauth and Django's
login only carry the `next` URL, not the POST.
"""

import json
from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

SESSION_KEY = "grants_kept_answers"
# Large enough for every section form; a bigger POST is not from our pages.
MAX_BYTES = 200_000
MAX_AGE = timedelta(hours=24)
MAX_PAGES = 5
# Buttons and the CSRF token are not answers.
NOT_ANSWERS = {
    "csrfmiddlewaretoken",
    "continue",
    "save_and_return",
    "add_line",
    "remove",
    "submit",
    "upload",
    "withdraw",
}
RESTORED_MESSAGE = "We kept what you typed. Check it and save."


def keep_posted_answers(request) -> bool:
    """Keep the POST's answers for this path; False if there was nothing (or too much) to keep."""
    data = {key: request.POST.getlist(key) for key in request.POST if key not in NOT_ANSWERS}
    if not data or len(json.dumps(data)) > MAX_BYTES:
        return False
    kept = dict(request.session.get(SESSION_KEY) or {})
    kept[request.path] = {"data": data, "at": timezone.now().isoformat()}
    newest = sorted(kept.items(), key=lambda item: item[1]["at"])[-MAX_PAGES:]
    request.session[SESSION_KEY] = dict(newest)
    return True


def take_kept_answers(request) -> QueryDict | None:
    """The answers kept for this path (removing them), or None."""
    kept = request.session.get(SESSION_KEY)
    if not kept or request.path not in kept:
        return None
    kept = dict(kept)
    entry = kept.pop(request.path)
    request.session[SESSION_KEY] = kept
    at = parse_datetime(entry.get("at") or "")
    if at is None or timezone.now() - at > MAX_AGE:
        return None
    answers = QueryDict(mutable=True)
    for key, values in (entry.get("data") or {}).items():
        answers.setlist(key, [str(value) for value in values])
    return answers
