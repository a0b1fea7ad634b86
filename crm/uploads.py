"""How large a request may be: the largest file the product takes (an import's, `IMPORT_MAX_BYTES`)
and a little room for the form around it. Refused as soon as it is known, never read whole first.

Two checks: a request whose declared length (CONTENT_LENGTH) is larger is answered 413 before its
body is read (`refuse_large_bodies`); and while a body is parsed, an uploaded file is stopped as
soon as it passes the limit (`LimitedUploadHandler`, first of FILE_UPLOAD_HANDLERS), the rest of
the body (no more than the room for the form) read and dropped. Django streams every POST's files
to disk before any view runs, whichever URL it is sent to: so both apply to every URL.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.utils.translation import gettext as _

FORM_ROOM = 64 * 1024  # the form's other fields and the multipart framing


def too_large_message() -> str:
    return _("Files of at most %(limit)s bytes can be imported: this one is larger.") % {
        "limit": settings.IMPORT_MAX_BYTES
    }


def refuse_large_bodies(get_response):
    """Answer 413 to a request declaring a body larger than a file and its form, unread."""

    def middleware(request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.IMPORT_MAX_BYTES + FORM_ROOM:
            return render(request, "413.html", {"message": too_large_message()}, status=413)
        return get_response(request)

    return middleware


class LimitedUploadHandler(FileUploadHandler):
    """Counts each uploaded file's bytes and stops the upload once one passes `IMPORT_MAX_BYTES`,
    before the handlers after it store more; the view reads `upload_stopped(request)`."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.IMPORT_MAX_BYTES:
            if self.request is not None:
                self.request.upload_stopped = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers keep the file


def upload_stopped(request) -> bool:
    return getattr(request, "upload_stopped", False)
