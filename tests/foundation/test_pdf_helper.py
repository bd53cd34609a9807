import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from passnum import pdf

TEMPLATES = Path(__file__).parent / "templates_pdf"


@pytest.fixture
def probe_template(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}
    ]


def test_a_pdf_is_reproducible_byte_for_byte(probe_template):
    created = datetime.datetime(2026, 1, 31, 12, 0, tzinfo=datetime.UTC)
    first = pdf.render_pdf("pdf_probe.html", {"text": "Chèque 104201"}, title="T", created=created)
    second = pdf.render_pdf("pdf_probe.html", {"text": "Chèque 104201"}, title="T", created=created)
    assert first == second
    assert pdf.sha256(first) == pdf.sha256(second)


def test_a_pdf_renders_and_the_network_is_never_reached(probe_template, tmp_path):
    data = pdf.render_pdf("pdf_probe.html", {"text": "Bonjour"})
    path = tmp_path / "probe.pdf"
    path.write_bytes(data)
    assert "Bonjour" in PdfReader(path).pages[0].extract_text()
    fetcher = pdf._url_fetcher()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://example.invalid/tracker.png")
