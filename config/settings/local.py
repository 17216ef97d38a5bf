"""Settings for `make run` on a developer's or officer's own machine."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The demo's staff sign in without an authenticator app unless asked to; a
# real deployment (production settings) always requires it.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)
