# syntax=docker/dockerfile:1
# Production image: gunicorn serves the site, the same image runs the Celery
# worker and beat (see docker-compose.yml).

# --- Front-end assets: GOV.UK Frontend from npm and the council stylesheet.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY assets ./assets
RUN npm run build

# --- The application.
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private_media

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The
# project has no installable packages of its own (the code runs from /app).
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Only what STATICFILES_DIRS reads: the compiled stylesheet and GOV.UK
# Frontend's distributed files (not the whole of node_modules).
COPY --from=assets /app/build/static ./build/static
COPY --from=assets /app/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk

# production.py refuses to start without real secrets; collectstatic needs
# none, so it gets throwaway ones that exist only in this build step.
RUN DJANGO_SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_hex(16))')" \
    FIELD_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
    && mkdir -p "$PRIVATE_MEDIA_ROOT" \
    && chown -R app:app "$PRIVATE_MEDIA_ROOT"

USER app
EXPOSE 8000

# WEB_CONCURRENCY sets the number of gunicorn workers; other settings can
# be added through GUNICORN_CMD_ARGS.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-"]
