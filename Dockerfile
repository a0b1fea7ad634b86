# The image docker-compose.yml runs as migrate, web, worker and beat. The build stage installs the
# dependencies into a virtual environment, compiles the catalogues and collects the static files;
# the runtime stage gets only those and the source, and runs as an unprivileged user.
FROM python:3.11-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# msgfmt, for compilemessages: needed here only.
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
# The dependencies first (pyproject.toml installs no package of its own): a change of the code
# alone reuses this layer. Installed from a folder of their own, so nothing of the build lands in /app.
COPY pyproject.toml README.md /deps/
RUN pip install /deps
WORKDIR /app
COPY . .
RUN DEBUG=true python manage.py compilemessages -v0 \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    MEDIA_ROOT=/var/lib/crm/media
# The user the processes run as, with a home for what tools keep there (gunicorn's control
# socket). The folders docker-compose.yml mounts volumes on are its own: a new named volume
# starts as a copy of the folder, ownership included, so the worker can write the export files
# and beat its schedule. The code stays root's: read-only to the processes.
RUN groupadd --system --gid 10001 crm \
 && useradd --system --uid 10001 --gid crm --create-home --home-dir /home/crm --shell /usr/sbin/nologin crm \
 && mkdir -p /var/lib/crm/media /var/lib/crm/beat \
 && chown crm:crm /var/lib/crm/media /var/lib/crm/beat
COPY --from=build /venv /venv
WORKDIR /app
COPY --from=build /app /app
USER crm
EXPOSE 8000
# No HEALTHCHECK here: the same image runs web, worker, beat and migrate, each checked its own way
# in docker-compose.yml.
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
