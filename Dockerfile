# Production image: the web app under gunicorn; the same image runs the worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# GNU gettext compiles the translations (compilemessages, below).
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
# Python packages exactly as uv.lock pins them, without the development tools, into
# /app/.venv; uv at the Makefile's UV_VERSION.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_PROJECT_ENVIRONMENT=/app/.venv UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app
# The dependencies in a layer of their own, which a change of our code does not rebuild.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-install-project
COPY . .
RUN uv sync --locked
COPY --from=assets /app/node_modules node_modules
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
# The translations' compiled catalogues (.mo files are not in the repository).
RUN DEBUG=false SECRET_KEY=compilemessages-only python manage.py compilemessages \
    --ignore=.venv --ignore=node_modules
RUN useradd --create-home helpdesk && mkdir -p var && chown helpdesk var
USER helpdesk
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
