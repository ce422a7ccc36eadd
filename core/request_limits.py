"""Requests refused before a view reads them, with a page that says why.

- A body larger than ``REQUEST_MAX_BYTES`` (by its Content-Length) is a 413 before a
  byte of it is read: a 50 MB upload is not received whole only to be refused.
- Within that, an uploaded file larger than ``ATTACHMENT_MAX_BYTES`` is kept no
  further than the limit (``AttachmentSizeHandler``), and its form says so beside the
  field.
- A query string with a NUL byte is a 400: PostgreSQL refuses NUL in text, so no
  search or picker may pass one on. (Paths are matched by converters that refuse it.)

The proxy in front refuses larger bodies first (README: ``client_max_body_size``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class AttachmentSizeHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: counts each file's bytes as they arrive, and
    past the attachment limit stops passing them on, so the rest of the file is neither
    kept in memory nor written to disk. Such a file reaches the form as an empty
    :class:`OversizedUpload`, which ``tickets.attachments.validate_upload`` refuses
    beside the field, naming the limit."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            return None  # the handlers after this one never see the rest
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            return OversizedUpload(self.file_name, self.content_type, self.received)
        return None  # within the limit: the next handler stores the file


class OversizedUpload(InMemoryUploadedFile):
    """A file cut off at the attachment limit: no content, and ``size`` at least the
    bytes received before it was cut off."""

    truncated = True

    def __init__(self, name: str | None, content_type: str | None, received: int) -> None:
        super().__init__(io.BytesIO(b""), "attachments", name or "", content_type, received, None)


# The REST API's paths (api.urls): its refusals are JSON, as its other errors are.
API_PATH = "/api/v1/"


def _language_of(request) -> str:
    """The language of a refusal. The person's (accounts.middleware.LanguageMiddleware)
    is not known yet, as neither the session nor the user was read: the browser's
    (Accept-Language, or the language cookie). The API answers in the help desk's own."""
    if request.path.startswith(API_PATH):
        return settings.LANGUAGE_CODE
    return translation.get_language_from_request(request)


def _refused(request, status: int, words: Callable[[], tuple[str, str]]):
    """``words()`` gives the heading and the message, put into words here, in the
    language of the request."""
    with translation.override(_language_of(request)):
        heading, message = words()
        if request.path.startswith(API_PATH):
            return JsonResponse({"detail": f"{heading}. {message}"}, status=status)
        # Rendered without the request context: the request was not read, nor its user.
        response = render(
            None,
            "request_refused.html",
            {"status": status, "heading": heading, "message": message},
            status=status,
        )
        response.headers["Content-Language"] = translation.get_language()
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _too_large_words() -> tuple[str, str]:
    return (
        _("That is too large to receive"),
        _(
            "What you sent is larger than we accept. Each attachment may be up to "
            "%(file_limit)s, and everything sent at once up to %(request_limit)s. Nothing "
            "was saved: send a smaller file, or split it in parts."
        )
        % {
            "file_limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            "request_limit": filesizeformat(settings.REQUEST_MAX_BYTES),
        },
    )


def too_large(request):
    return _refused(request, 413, _too_large_words)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return _refused(
                request,
                400,
                lambda: (
                    _("That address cannot be read"),
                    _(
                        "The address contains a NUL character, which no page accepts. "
                        "Remove it and try again."
                    ),
                ),
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _refused(
                request,
                400,
                lambda: (_("That request cannot be read"), _("Its length is not a number.")),
            )
        if length > settings.REQUEST_MAX_BYTES:
            return too_large(request)
        return self.get_response(request)
