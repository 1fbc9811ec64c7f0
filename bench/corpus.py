"""Synthetic ingest corpus built from the seed articles (``seeds/``) plus any real articles at hand.

Each synthetic article takes one seed, keeps its first paragraph (the lead), shuffles
the sentences of the rest (seeded RNG), shifts every year it mentions by the same
random offset and gets a random publication date in its YAML front matter, so that
texts, dates and content hashes all differ while the vocabulary, length and density
of places stay those of real news. ``--extra DIR`` adds real articles (copied as is).

Usage::

    python bench/corpus.py OUT_DIR --n 1000 [--extra more_articles/]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
_SENT = re.compile(r"(?<=[.!?…»])\s+(?=[«A-ZÀ-ÖØ-Þ])")
_YEAR = re.compile(r"\b(20[01]\d)\b")


def _sentences(text: str) -> tuple[str, list[str]]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    lead = paras[0] if paras else ""
    sents = [s.strip() for p in paras[1:] for s in _SENT.split(p) if s.strip()]
    return lead, sents


def synth_article(seed_text: str, rng: random.Random) -> tuple[str, dt.date]:
    lead, sents = _sentences(seed_text)
    rng.shuffle(sents)
    shift = rng.randint(-3, 3)
    paras, i = [lead], 0
    while i < len(sents):
        k = rng.randint(2, 4)
        paras.append(" ".join(sents[i:i + k]))
        i += k
    text = "\n\n".join(paras)
    text = _YEAR.sub(lambda m: str(min(2024, max(2011, int(m.group(1)) + shift))), text)
    published = dt.date(2016 + shift if 2016 + shift >= 2011 else 2011, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))
    return text, published


def make_corpus(out: str | Path, n: int = 1000, seed: int = 0, extra: str | Path | None = None) -> list[Path]:
    """Write ``n`` synthetic ``.md`` articles (and copies of ``extra`` articles) into ``out``."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(seed)
    files = []
    for k in range(n):
        text, published = synth_article(seeds[k % len(seeds)], rng)
        title = text.split("\n", 1)[0][:80].replace('"', "'")
        p = out / f"syn{k:06d}.md"
        p.write_text(f'---\ntitle: "{title}"\npublished: {published.isoformat()}\nsource: synthetic\n---\n{text}\n',
                     encoding="utf-8")
        files.append(p)
    if extra:
        for q in sorted(Path(extra).rglob("*")):
            if q.is_file() and q.suffix in {".txt", ".md", ".html", ".htm"}:
                dst = out / f"real-{q.name}"
                shutil.copy2(q, dst)
                files.append(dst)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra")
    a = ap.parse_args()
    files = make_corpus(a.out, a.n, a.seed, a.extra)
    print(f"{len(files)} articles in {a.out}")


if __name__ == "__main__":
    main()
