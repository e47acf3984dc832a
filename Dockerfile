# The Lineage API. Neo4j and the S3-compatible store run as their own services (docker-compose.yml).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
# api/web/static is the web app's committed bundle: the image needs no Node to serve it.
COPY api ./api
COPY graph ./graph
COPY storage ./storage
COPY workflows ./workflows
COPY services ./services
COPY lineage ./lineage
RUN pip install '.[server]' && useradd --system --create-home lineage && mkdir -p /data && chown lineage /data

USER lineage
ENV LINEAGE_HOST=0.0.0.0 LINEAGE_PORT=8000 LINEAGE_DATA_DIR=/data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=12 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["lineage", "serve"]
