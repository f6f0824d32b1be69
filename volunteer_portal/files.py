"""Handing out stored files that only some people may see (members' photos).

The view checks the permission first, then hands the file over from wherever it is
stored: on object storage (``S3_BUCKET``), a redirect to a signed address that lapses
after ``S3_URL_SECONDS``, so the bucket itself stays private; on the local disk, the file
itself. Either way no cache between keeps it (``Cache-Control: private``)."""

from __future__ import annotations

import mimetypes
import posixpath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.views.static import serve

# Folders of MEDIA_ROOT that only a view that checks the permission hands out (nginx
# refuses them too: deploy/nginx-portal.conf).
PRIVATE_MEDIA = ("members/",)


def _stored_file(storage, name: str, *, content_type: str, download_as: str | None = None):
    """The stored file, after the caller checked the permission; 404 when it is gone. On
    object storage a redirect to its signed address, else the file; ``download_as``: a
    download under that name, not shown in the browser."""
    if settings.S3_BUCKET:
        if not storage.exists(name):  # not an address that answers 404 itself
            raise Http404
        parameters = None
        if download_as:
            parameters = {
                "ResponseContentDisposition": f'attachment; filename="{download_as}"',
                "ResponseContentType": content_type,
            }
        return HttpResponseRedirect(storage.url(name, parameters=parameters))
    try:
        opened = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        opened,
        content_type=content_type,
        as_attachment=bool(download_as),
        filename=download_as or "",
    )


def private_file_response(field):
    """The stored file of ``field`` (a FieldFile), after the caller checked the permission;
    404 when there is none, or it is gone from the storage."""
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = _stored_file(field.storage, field.name, content_type=content_type)
    # Kept by the person's own browser only, and not longer than a signed address lasts.
    patch_cache_control(response, private=True, max_age=min(300, settings.S3_URL_SECONDS))
    return response


def private_download_response(storage, name: str, *, filename: str, content_type: str):
    """A file kept for one person (a background export), downloaded under ``filename``,
    after the caller checked the permission; 404 when it is gone."""
    response = _stored_file(storage, name, content_type=content_type, download_as=filename)
    patch_cache_control(response, private=True, no_store=True)
    return response


def serve_public_media(request, path):
    """``/media/…`` served by the app itself (debugging, the local trial), but for the
    private folders, however the path is written."""
    if posixpath.normpath("/" + path).lstrip("/").startswith(PRIVATE_MEDIA):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)
