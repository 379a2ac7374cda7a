"""Reading the norms data file shipped inside the package (a copy of shared/norms.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "norms.yaml"


def load_clauses(path: Path = DATA_FILE) -> Iterator[dict]:
    """Every clause as a flat dict, in document order: code, kind, zh, en, modes, when, ..."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    order = 0
    for kind, entries in (("norm", data["norms"]), ("prohibition", data["prohibitions"])):
        for entry in entries:
            order += 1
            yield {
                "code": entry["id"],
                "kind": kind,
                "zh": entry["zh"],
                "en": entry.get("en", ""),
                "modes": list(entry.get("mode", [])),
                "system": entry.get("system", ""),
                "moment": "",
                "template": "",
                "order": order,
            }
    for group, kind in (("window", "window_phrase"), ("telephone", "telephone_phrase")):
        for entry in data["phrases"][group]:
            order += 1
            yield {
                "code": entry["id"],
                "kind": kind,
                "zh": entry["text"],
                "en": entry.get("en", ""),
                "modes": ["prompt"],
                "system": "",
                "moment": entry.get("when", ""),
                "template": entry.get("template", ""),
                "order": order,
            }
