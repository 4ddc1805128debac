# Production image: gunicorn as a non-root user. The same image runs the Celery worker and beat
# (see docker-compose.yml). Configuration comes from the environment only (README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=oracle_ledger.settings PORT=8000

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs settings but no services: give it throwaway URLs it never connects to.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && chown -R app:app /app

USER app
EXPOSE 8000
CMD ["sh", "-c", "gunicorn oracle_ledger.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --worker-class gthread --threads 4 --access-logfile /dev/null"]
