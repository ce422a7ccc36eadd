# Production image: the web app under gunicorn; the same image runs the worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY helpdesk helpdesk
COPY accounts accounts
COPY sla sla
COPY tickets tickets
COPY notifications notifications
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/node_modules node_modules
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
RUN useradd --create-home helpdesk && mkdir -p var && chown helpdesk var
USER helpdesk
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
