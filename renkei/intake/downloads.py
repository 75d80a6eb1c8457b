"""What intake received, given to an analyst only inside an encrypted zip.

Attachments and raw reports (a whole e-mail, malware attached) are the
samples a CSIRT handles: a zip encrypted with the usual password `infected`
keeps a browser from showing them and a desktop scanner from acting on them.
"""

from __future__ import annotations

from django.http import HttpResponse

from renkei.lib.archives import DOWNLOAD_PASSWORD, zip_for_download


def encrypted_zip_response(inside: str, data: bytes, download_name: str) -> HttpResponse:
    """`data` as `inside` in a zip encrypted with `infected`: a download, never shown."""
    response = HttpResponse(zip_for_download(inside, data), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Zip-Password"] = DOWNLOAD_PASSWORD
    return response
