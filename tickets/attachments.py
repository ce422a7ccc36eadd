"""Upload checks (size, allowed extension, and content that matches the extension), and
the download of a stored file, the same for the pages and the API."""

from __future__ import annotations

import logging

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tickets.models import Attachment, PendingUpload

logger = logging.getLogger(__name__)

TEXT_TYPES = {
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "eml": "message/rfc822",
}
# Office documents are zip containers; filetype reports the container or the document.
ZIP_FAMILY = {
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
BINARY_EXPECTED = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "gif": {"image/gif"},
    "webp": {"image/webp"},
    "zip": ZIP_FAMILY,
    "docx": ZIP_FAMILY,
    "xlsx": ZIP_FAMILY,
    "pptx": ZIP_FAMILY,
}
OFFICE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
}


def validate_upload(upload: UploadedFile) -> str:
    """Return the content type to store, or raise ValidationError saying what is wrong."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = settings.ATTACHMENT_EXTENSIONS
    if (upload.size or 0) > settings.ATTACHMENT_MAX_BYTES:
        # A file cut off while it arrived (core.request_limits) has no exact size.
        truncated = getattr(upload, "truncated", False)
        limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
        if truncated:
            text = _("%(name)s is too large; the limit is %(limit)s.")
        else:
            text = _("%(name)s is %(size)s; the limit is %(limit)s.")
        size = filesizeformat(upload.size or 0)
        raise ValidationError({"attachments": text % {"name": name, "size": size, "limit": limit}})
    if extension not in allowed:
        raise ValidationError(
            {
                "attachments": (
                    _("%(name)s: files of this type cannot be attached. Allowed: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(allowed)}
                )
            }
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if extension in TEXT_TYPES:
        if b"\x00" in head or filetype.guess(head) is not None:
            raise ValidationError(
                {"attachments": _("%(name)s does not contain text.") % {"name": name}}
            )
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head.decode("latin-1")
            except UnicodeDecodeError:
                raise ValidationError(
                    {"attachments": _("%(name)s is not a text file.") % {"name": name}}
                ) from None
        return TEXT_TYPES[extension]
    kind = filetype.guess(head)
    if kind is None or kind.mime not in BINARY_EXPECTED.get(extension, set()):
        raise ValidationError(
            {
                "attachments": _("%(name)s: its content does not match its name (.%(extension)s).")
                % {"name": name, "extension": extension}
            }
        )
    return OFFICE_TYPES.get(extension, kind.mime)


class FileMissing(Http404):
    """The attachment's row is there but its stored file is not (a lost disk, an object
    deleted from the bucket): a 404 that says so, never a server error."""


def download_response(attachment: Attachment | PendingUpload) -> FileResponse:
    """The stored file, streamed through the app, for someone already allowed to see it
    (tickets.selectors.attachment_get_for, tickets.selectors.upload_file_get_for). The disk and
    the S3 bucket alike: the bucket stays private and the answer keeps the headers
    below, which a redirect to a signed URL of the bucket would lose (docs/production.md,
    attachments)."""
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error(
            "Attachment %s of ticket %s has no stored file %s",
            attachment.pk,
            attachment.ticket_id,
            attachment.file.name,
        )
        raise FileMissing(
            _("The file %(name)s is no longer stored. Ask support to send it again.")
            % {"name": attachment.filename}
        ) from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Never rendered inline: an uploaded file must not run in our origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
