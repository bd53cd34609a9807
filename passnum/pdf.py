"""The one WeasyPrint helper: HTML template → PDF bytes, reproducible.

Fixed metadata (no creation date from the clock unless given) so that the same input gives
the same bytes, which lets a statement keep one checksum.
"""

import hashlib

from django.conf import settings
from django.template.loader import render_to_string


def _url_fetcher():
    """Fetches only local files and data URIs, never the network (a PDF never calls out)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file", "data"}, timeout=5)


def render_pdf(template_name: str, context: dict, *, title: str = "", created=None) -> bytes:
    """Render ``template_name`` to PDF. ``created`` (a datetime) is written as metadata."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    document = HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher()
    ).render()
    metadata = document.metadata
    metadata.title = title or metadata.title
    metadata.authors = ["Conseil départemental de l'Aveyron"]
    metadata.generator = "passnum"
    stamp = created.isoformat() if created else None
    metadata.created = stamp
    metadata.modified = stamp
    return document.write_pdf(pdf_identifier=b"passnum", uncompressed_pdf=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
