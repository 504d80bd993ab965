"""Fingerprint what a reader sees in a built site, to show a refactor changed none of it.

For every page under ``_build/html/book`` it records the text of the article, every table
(cell by cell), every static explorer's precomputed runs and every plotly figure (data and
layout; plotly's random div ids are blanked). Run it before and after a change and compare:

    python tools/site_fingerprint.py _build/html > before.json
    ... change, rebuild ...
    python tools/site_fingerprint.py _build/html > after.json
    python tools/site_fingerprint.py --compare before.json after.json

Run times (the execution-status page) are left out: they differ on every build.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from imiquimod_model.book.explorers import unpacked

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIPPED_PAGES = {"execution.html"}  # run times change on every build


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def page_fingerprint(path: Path) -> dict[str, object]:
    """Article text, tables, explorer runs and figures of one built page."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article") or soup
    tables = [
        [
            [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for row in table.find_all("tr")
        ]
        for table in article.find_all("table")
    ]
    explorers = [unpacked(tag.string) for tag in article.select("script.imq-explorer-data")]
    figures = [
        _sha(UUID.sub("ID", tag.string))
        for tag in article.find_all("script")
        if tag.string and "Plotly.newPlot" in tag.string
    ]
    for tag in article.find_all("script"):
        tag.decompose()
    text = UUID.sub("ID", " ".join(article.get_text(" ", strip=True).split()))
    return {
        "text": text,
        "tables": tables,
        "explorers": {e["name"]: _sha(json.dumps(e, sort_keys=True)) for e in explorers},
        "figures": figures,
    }


def site_fingerprint(site: Path) -> dict[str, object]:
    """Fingerprints of every chapter page of the built site, by file name."""
    return {
        p.name: page_fingerprint(p)
        for p in sorted((site / "book").glob("*.html"))
        if p.name not in SKIPPED_PAGES
    }


def compare(before: dict, after: dict) -> list[str]:
    """The differences between two fingerprints, one line each (empty: identical)."""
    lines = []
    for page in sorted(set(before) | set(after)):
        if page not in before or page not in after:
            lines.append(f"{page}: only in {'after' if page in after else 'before'}")
            continue
        for key in before[page]:
            if before[page][key] != after[page].get(key):
                lines.append(f"{page}: {key} differs")
        if before[page]["text"] != after[page]["text"]:
            old, new = before[page]["text"].split(". "), after[page]["text"].split(". ")
            changed = difflib.unified_diff(old, new, lineterm="", n=0)
            lines += [f"    {line}" for line in list(changed)[2:]]
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compare"]:
        before, after = (json.loads(Path(p).read_text()) for p in argv[1:3])
        differences = compare(before, after)
        for line in differences:
            print(line)
        pages = len(before)
        n_explorers = sum(len(p["explorers"]) for p in before.values())
        n_figures = sum(len(p["figures"]) for p in before.values())
        n_tables = sum(len(p["tables"]) for p in before.values())
        verdict = "differ" if differences else "identical"
        print(
            f"{pages} pages, {n_explorers} explorers, {n_figures} figures, "
            f"{n_tables} tables: {verdict}"
        )
        return 1 if differences else 0
    print(json.dumps(site_fingerprint(Path(argv[0] if argv else "_build/html")), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
