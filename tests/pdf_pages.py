"""A PDF's pages, for the tests: its page count (checked against pdfinfo when installed), its
text, and its first page kept as a PNG in tests/artifacts (pdftoppm) for a look."""

import io
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pdf_pages(data: bytes, name: str) -> tuple[int, str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert f"Pages:{' ' * 11}{pages}" in info, info
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"]
            + [str(path), str(ARTIFACTS / name)],
            check=True,
        )
    text = " ".join(page.extract_text() for page in reader.pages)
    return pages, text.replace("\u00a0", " ")
