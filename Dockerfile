# The hub's image (used by docker-compose.yml). Neo4j runs in its own container there.
FROM python:3.11.9-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY schema ./schema
COPY connectors ./connectors
RUN pip install --no-cache-dir . && useradd --create-home hub && mkdir -p /home/hub/state && chown hub /home/hub/state
USER hub
ENV HUB_HOST=0.0.0.0 HUB_PORT=8000 HUB_STATE_DIR=/home/hub/state
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
# demo data only when asked (HUB_DEMO=true): a real hub starts empty
CMD ["sh", "-c", "if [ \"$HUB_DEMO\" = true ]; then hub demo load --if-empty || exit 1; fi; exec hub serve"]
