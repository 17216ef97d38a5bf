#!/usr/bin/env bash
# `make run`: prepare the database and serve the site on
# http://127.0.0.1:8000, with a Celery worker and beat beside it when a
# Redis broker is reachable. Everything started here is stopped when the
# server stops (Ctrl-C) or this script is killed.
set -euo pipefail

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PY=.venv/bin/python
CELERY=.venv/bin/celery
LOG_DIR=.run
mkdir -p "$LOG_DIR"

"$PY" manage.py collectstatic --noinput --verbosity 0
"$PY" manage.py migrate --noinput
"$PY" manage.py install_schedules
"$PY" manage.py load_demo_data

pids=()

# Each background process gets its own process group (setsid) so that
# stopping it also stops its children: the Celery pool, and the server that
# runserver's autoreloader starts.
start() {
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" &
  else
    "$@" &
  fi
  pids+=("$!")
}

stop_all() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# REDIS_URL may come from the environment or from .env, so ask the settings.
redis_url="$("$PY" -c 'from django.conf import settings; print(settings.REDIS_URL)')"

redis_reachable() {
  "$PY" - "$1" <<'PYEOF'
import sys

import redis

try:
    redis.Redis.from_url(sys.argv[1], socket_timeout=1, socket_connect_timeout=1).ping()
except Exception:
    sys.exit(1)
PYEOF
}

if [[ -n "$redis_url" ]] && redis_reachable "$redis_url"; then
  echo "Redis broker reachable: starting a Celery worker and beat (logs in $LOG_DIR/worker.log and $LOG_DIR/beat.log)."
  start "$CELERY" -A config worker --loglevel=INFO >"$LOG_DIR/worker.log" 2>&1
  start "$CELERY" -A config beat --loglevel=INFO \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler \
    --pidfile="$LOG_DIR/beat.pid" >"$LOG_DIR/beat.log" 2>&1
else
  echo "No Redis broker reachable (REDIS_URL unset or down): background tasks will run immediately inside the web process."
  # The settings run tasks eagerly only when REDIS_URL is empty; a set but
  # unreachable broker must not make every request wait for it.
  export CELERY_TASK_ALWAYS_EAGER=true
fi

start "$PY" manage.py runserver 127.0.0.1:8000
server_pid="${pids[-1]}"
# Ctrl-C reaches this script, whose trap stops everything; waiting rather
# than running the server in the foreground lets the traps run at once.
wait "$server_pid"
