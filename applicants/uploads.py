"""
Checking and serving uploaded files: shared by organisation documents and
application attachments.

Files are recognised by their content (the first bytes), not by the name or
the type the browser claims, so a renamed program is refused. They are stored
under generated names in private storage and served only through views that
check permission first, always as downloads.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "jpg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_DESCRIPTION = "PDF, DOCX, XLSX, ODT, JPG or PNG"


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int


def max_upload_megabytes() -> int:
    return settings.MAX_UPLOAD_BYTES // (1024 * 1024)


def check_upload(uploaded) -> CheckedUpload:
    """The file's safe name, real type and size; a ValidationError says what is wrong."""
    if uploaded is None:
        raise ValidationError("Select a file")
    if not uploaded.size:
        raise ValidationError("The selected file is empty")
    if uploaded.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(f"The selected file must be smaller than {max_upload_megabytes()}MB")
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ALLOWED_TYPES:
        raise ValidationError(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    scan_upload(uploaded)
    return CheckedUpload(
        name=safe_file_name(uploaded.name, extension=kind.extension),
        content_type=ALLOWED_TYPES[kind.extension],
        size=uploaded.size,
    )


def scan_upload(uploaded) -> None:
    """
    The virus-scan hook: UPLOAD_SCANNER names a callable that takes the file
    and raises ValidationError if it must be refused. The default accepts
    every file; production points it at the council's scanner.
    """
    scanner = import_string(settings.UPLOAD_SCANNER)
    try:
        scanner(uploaded)
    except ValidationError:
        raise
    except Exception as error:
        # A scanner that is down or broken must not let an unchecked file
        # in, nor show a server error: the person is told to try again.
        logger.exception("The upload scanner failed: %s", error)
        raise ValidationError(
            "The file could not be checked for viruses just now. Try again in a few minutes."
        ) from error
    uploaded.seek(0)


def accept_all(uploaded) -> None:
    """The default scanner, for machines without one."""


def safe_file_name(name: str, *, extension: str) -> str:
    """A name fit for a download header: no path, no control characters, right extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base).strip(" .") or "document"
    stem = re.sub(r"[^\w\- ()&,']+", "_", stem)[:100]
    return f"{stem}.{'jpg' if extension == 'jpg' else extension}"


def download_response(*, file, name: str, content_type: str) -> FileResponse:
    """Serve a stored file as a download (never displayed inline)."""
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
