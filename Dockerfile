# One image: the web app with webhooks, dispatcher and scheduler in one process.
# `twc run` applies the migrations itself before serving.  Production by default: it needs
# TWC_SECRET_KEY and serves no simulator; README.md says how to try it on your own machine.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TWC_ENVIRONMENT=production \
    TWC_HOST=0.0.0.0 TWC_PORT=8080 TWC_DATABASE_URL=sqlite:////data/twc.sqlite3

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY conversations ./conversations
COPY scheduler ./scheduler
COPY locales ./locales
RUN pip install --no-cache-dir -e ".[postgres]" && useradd --system --uid 10001 twc \
    && mkdir -p /data && chown twc /data
USER twc
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["twc", "run"]
