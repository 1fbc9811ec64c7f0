"""Rewrite imports of the old flat layout (before issue #9) to the stage packages.

For merging a branch that still edits ``src/conflictmap/<module>.py``: git follows the
renamed files, but the lines the branch adds still say ``from conflictmap.extract.nlp import ...``.
Run this on the files of the merge, then the tests::

    python scripts/relayout_imports.py $(git diff --name-only HEAD~1 -- '*.py')
    python scripts/relayout_imports.py --check src tests bench scripts   # lists what is left

It rewrites ``from conflictmap import nlp`` / ``from conflictmap.extract.nlp import x`` /
``import conflictmap.extract.nlp`` and dotted references in strings and docstrings
(``"conflictmap.extract.pipeline.Pipeline.load"``). Modules a branch adds at the top level
(e.g. ``src/conflictmap/frames.py``) must be moved by hand (``git mv``) and added to ``MOVED``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

#: Old module (under ``conflictmap.``) → new dotted path.
MOVED: dict[str, str] = {
    "nlp": "extract.nlp", "events": "extract.events", "dates": "extract.dates", "articles": "extract.articles",
    "pipeline": "extract.pipeline", "distributed": "extract.distributed", "actors": "extract.actors",
    "coldstart": "extract.coldstart", "gazetteer": "geo.gazetteer", "geocoder": "geo.geocoder", "zones": "geo.zones",
    "archive": "store.archive", "schema": "store.schema", "validate": "store.validate", "_io": "store.atomic",
    "_text": "text", "synthetic": "demo", "_page": "dashboard.page", "_data": "dashboard.data",
    "_map_js": "dashboard.cmlib", "_map": "dashboard.map",
    "_cache": "store.cache", "place_review": "extract.review", "frames": "extract.frames",
}

_NAMES = "|".join(sorted(map(re.escape, MOVED), key=len, reverse=True))
_FROM = re.compile(r"^([ \t]*)from conflictmap import ([A-Za-z_][\w, ]*?)[ \t]*(#.*)?$", re.M)
_DOTTED = re.compile(r"\bconflictmap\.(%s)\b(?!\.py)" % _NAMES)


def _split_from(match: re.Match[str]) -> str:
    """``from conflictmap import a, nlp as n`` → one line per package."""
    indent, names, comment = match.group(1), match.group(2), match.group(3) or ""
    kept: list[str] = []
    lines: list[str] = []
    for part in (p.strip() for p in names.split(",") if p.strip()):
        base, _, alias = (x.strip() for x in part.partition(" as "))
        if base not in MOVED:
            kept.append(part)
            continue
        parent, _, name = ("conflictmap." + MOVED[base]).rpartition(".")
        line = f"{indent}from {parent} import {name}"
        if (alias or base) != name:
            line += f" as {alias or base}"
        lines.append(line)
    if kept:
        lines.insert(0, f"{indent}from conflictmap import {', '.join(kept)}")
    if comment and lines:
        lines[-1] += "  " + comment
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """The text with every old-layout module reference rewritten.

    Parameters
    ----------
    text : str
        Python source (or Markdown).

    Returns
    -------
    str
    """
    text = _FROM.sub(_split_from, text)
    return _DOTTED.sub(lambda m: "conflictmap." + MOVED[m.group(1)], text)


def leftovers(text: str) -> list[str]:
    """Lines that still name an old module."""
    def old_from(line: str) -> bool:
        m = _FROM.match(line)
        return bool(m) and any(p.partition(" as ")[0].strip() in MOVED for p in m.group(2).split(","))

    return [line for line in text.splitlines() if _DOTTED.search(line) or old_from(line)]


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` list) old-layout references in the given files or folders."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--check", action="store_true", help="only list what is left; exit 1 if anything is")
    args = ap.parse_args(argv)
    files = [f for p in args.paths for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p]) if f.is_file()]
    left = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        if args.check:
            for line in leftovers(text):
                print(f"{f}: {line.strip()}")
                left += 1
            continue
        new = rewrite(text)
        if new != text:
            f.write_text(new, encoding="utf-8")
            print(f"rewrote {f}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
