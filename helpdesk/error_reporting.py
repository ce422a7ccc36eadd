"""Errors to Sentry, when settings give a DSN (SENTRY_DSN): the web app's, the Celery
workers' and beat's, each process initialising it as it reads the settings.

No personal data leaves: no signed-in person (their email), no cookies, no IP address
(``send_default_pii=False``); no request bodies, which carry ticket text and the sign-in
form's email address; and no local variables of the stack frames, which hold people,
tickets and forms. What is sent is the exception, its stack, the URL and the headers
Sentry's SDK counts as harmless.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.redis import RedisIntegration


def error_reporting_init(
    *, dsn: str, environment: str, release: str, traces_sample_rate: float
) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        # Performance traces cost quota; 0 (the default) sends errors only.
        traces_sample_rate=traces_sample_rate,
    )
