# syntax=docker/dockerfile:1

# Build stage: resolve dependencies from uv.lock and install RelayDesk into /app/.venv.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install uv

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then RelayDesk itself, installed as a regular (non-editable) package: the migrations ship
# inside it, so the runtime image needs no source tree.
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable


# Runtime stage: the virtual environment only, run as an unprivileged user.
FROM python:3.11-slim

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RELAYDESK_DATA_DIR=/data \
    RELAYDESK_HOST=0.0.0.0

RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home relaydesk \
    && mkdir /data \
    && chown relaydesk:relaydesk /data

WORKDIR /app
COPY --from=build /app/.venv /app/.venv

USER relaydesk
VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# `serve` applies pending migrations before it starts serving.
CMD ["relaydesk", "serve"]
