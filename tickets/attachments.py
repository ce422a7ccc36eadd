"""Upload checks: size, allowed extension, and content that matches the extension."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

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
        size = "too large" if truncated else filesizeformat(upload.size or 0)
        raise ValidationError(
            {
                "attachments": (
                    f"{name} is {size}; the limit is "
                    f"{filesizeformat(settings.ATTACHMENT_MAX_BYTES)}."
                )
            }
        )
    if extension not in allowed:
        raise ValidationError(
            {
                "attachments": (
                    f"{name}: files of this type cannot be attached. Allowed: {', '.join(allowed)}."
                )
            }
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if extension in TEXT_TYPES:
        if b"\x00" in head or filetype.guess(head) is not None:
            raise ValidationError({"attachments": f"{name} does not contain text."})
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head.decode("latin-1")
            except UnicodeDecodeError:
                raise ValidationError({"attachments": f"{name} is not a text file."}) from None
        return TEXT_TYPES[extension]
    kind = filetype.guess(head)
    if kind is None or kind.mime not in BINARY_EXPECTED.get(extension, set()):
        raise ValidationError(
            {"attachments": (f"{name}: its content does not match its name (.{extension}).")}
        )
    return OFFICE_TYPES.get(extension, kind.mime)
