"""Reading the case documents back as a client would: their text (pdftotext) and their
QR codes (the page rendered by pdftoppm, decoded by zbarimg)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.utils import translation

ZBARIMG = shutil.which("zbarimg")


def text_of(pdf: bytes, tmp_path: Path, name: str = "document") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def flat(text: str) -> str:
    """The text without any white space (pdftotext spaces and wraps Chinese freely)."""
    return "".join(text.split())


def shown(msgid: str, **values) -> str:
    """``msgid`` as the documents print it, in the interface's default language, flat."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return flat(text % values if values else text)


def page_png(pdf: bytes, out: Path, dpi: int = 200) -> Path:
    source = out.with_suffix(".pdf")
    source.write_bytes(pdf)
    stem = out.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", source, stem],
        check=True,
    )
    return stem.with_suffix(".png")


def decoded(png: Path) -> list[str]:
    """The texts of the QR codes zbarimg finds (one ``QR-Code:<text>`` line each; the
    receipt JSON escapes its newlines, so a code never spans lines)."""
    result = subprocess.run([ZBARIMG, "-q", str(png)], check=True, capture_output=True)
    lines = result.stdout.decode("utf-8").splitlines()
    return [line.removeprefix("QR-Code:") for line in lines if line.startswith("QR-Code:")]


def codes_of(pdf: bytes, tmp_path: Path, name: str = "document") -> list[str]:
    return decoded(page_png(pdf, tmp_path / f"{name}-shot.png"))
