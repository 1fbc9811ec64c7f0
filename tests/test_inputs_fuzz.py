"""Bad input at the article layer: one clear error per bad item, every good item still read.

Families: empty, blank, binary, invalid UTF-8, Latin-1/Windows-1252, a 50 MB text,
one huge line, malformed front matter, impossible dates, an all-scripts HTML page,
non-French text, manifests with missing or extra columns, missing paths,
duplicate ids, a folder of thousands of tiny files; plus hypothesis properties
of ``clean_text``, ``decode_bytes``, ``iter_bytes``, ``iter_manifest`` and ``fold``/``phonetic``.
"""

from __future__ import annotations

import json
import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.errors import InputError
from conflictmap.extract import articles as A
from conflictmap.extract.articles import (
    MAX_CHARS,
    Article,
    clean_text,
    decode_bytes,
    iter_articles,
    iter_bytes,
    iter_file,
    iter_manifest,
)
from conflictmap.text import fold, phonetic, skeleton

DATA = Path(__file__).resolve().parent / "data" / "articles"
# Modest by default (the whole file runs in seconds); raise CONFLICTMAP_FUZZ_EXAMPLES for a long soak.
_EXAMPLES = int(os.environ.get("CONFLICTMAP_FUZZ_EXAMPLES", "150"))
FAST = settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=max(1, _EXAMPLES * 2 // 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD_TEXT = "Des frappes aériennes ont visé Alep mardi, selon l'Observatoire syrien des droits de l'homme.\n"


def _only_error(items: list[Article | InputError], path: Path | str) -> InputError:
    assert len(items) == 1, items
    err = items[0]
    assert isinstance(err, InputError), err
    assert err.path == str(path)
    assert str(err) == f"{path}: {err.problem}"
    assert err.problem and "\n" not in err.problem
    return err


# --------------------------------------------------------------------------- families, one by one


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b" \n\t\r\n  \n", "only whitespace"),
        ("\u3000\u00a0\n".encode(), "only whitespace"),
        (b"\xef\xbb\xbf", "only whitespace"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe" * 100, "binary content"),
        (bytes(range(1, 32)) * 50, "binary content"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        (b"Lire aussi : rien\n\xc2\xa9 AFP\nMenu\n", "no article text left"),
    ],
)
def test_bad_content_one_clear_error(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    err = _only_error(list(iter_file(path)), path)
    assert problem in err.problem


def test_invalid_utf8_latin1_and_cp1252_are_decoded_not_dropped(tmp_path: Path) -> None:
    text = "Les « forces » de l’État à Lattaquié et à Alep… Œuvre coûtée 3 € — c’était “déjà” fini."
    (tmp_path / "cp1252.txt").write_bytes(text.encode("cp1252"))
    latin1 = "Dans la région d'Idleb, à Maarat al-Nouman, l'armée syrienne a été repoussée."
    (tmp_path / "latin1.txt").write_bytes(latin1.encode("latin-1"))
    (tmp_path / "utf8.txt").write_bytes(("\ufeff" + latin1).encode("utf-8"))
    mixed = "Deir ez-Zor : l’armée a été repoussée à Alep. ".encode() + b"Fin du texte \xe9t\xe9 \x80 20.\n"
    (tmp_path / "mixed.txt").write_bytes(mixed)
    arts = {a.article_id: a for a in iter_articles([tmp_path])}
    assert all(isinstance(a, Article) for a in arts.values())
    assert arts["cp1252"].text == text
    assert arts["latin1"].text == latin1
    assert arts["utf8"].text == latin1
    assert arts["mixed"].text == "Deir ez-Zor : l’armée a été repoussée à Alep. Fin du texte été € 20."


def test_utf16_with_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes("Les combats reprennent à Homs.".encode("utf-16"))
    (art,) = iter_file(tmp_path / "u16.txt")
    assert isinstance(art, Article) and art.text == "Les combats reprennent à Homs."


def test_50_mb_text_rejected_from_its_size_fast_and_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        chunk = GOOD_TEXT.encode() * 10_000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    tracemalloc.start()
    t0 = time.perf_counter()
    items = list(iter_file(path))
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    err = _only_error(items, path)
    assert "too large" in err.problem and "bytes" in err.problem and f"{MAX_CHARS:,}" in err.problem
    assert elapsed < 1.0
    assert peak < 5 * 1024 * 1024  # the 50 MB were never read
    # Same answer for uploaded bytes, checked on the length before decoding.
    (err2,) = iter_bytes("huge.txt", b"a" * (4 * MAX_CHARS + 1))
    assert isinstance(err2, InputError) and "too large" in err2.problem


def test_text_over_the_char_limit_but_under_the_byte_limit(tmp_path: Path) -> None:
    path = tmp_path / "six_million.txt"
    path.write_bytes(b"Alep. " * 1_000_001)
    err = _only_error(list(iter_file(path)), path)
    assert "too large (6,000,006 characters" in err.problem


def test_large_article_under_the_limit_is_processed_in_linear_time(tmp_path: Path) -> None:
    paras = [f"Paragraphe {i} : des frappes ont visé le quartier {i} d'Alep, selon l'OSDH et des témoins." for i in
             range(40_000)]
    path = tmp_path / "big.txt"
    path.write_text("\n\n".join(paras), encoding="utf-8")  # ~3.6 MB, 40 000 paragraphs
    t0 = time.perf_counter()
    (art,) = iter_file(path)
    elapsed = time.perf_counter() - t0
    assert isinstance(art, Article)
    assert art.text.count("\n\n") == len(paras) - 1
    assert elapsed < 8.0


def test_one_huge_line() -> None:
    line = ("Les forces syriennes avancent vers Idleb et Hama sous couvert de l'aviation russe, " * 25_000).strip()
    assert len(line) > 2_000_000 and "\n" not in line
    t0 = time.perf_counter()
    out = clean_text(line)
    assert time.perf_counter() - t0 < 3.0
    assert out == line
    (art,) = iter_bytes("line.txt", line.encode())
    assert isinstance(art, Article) and art.text == line


def test_many_ellipsis_paragraphs_are_not_quadratic() -> None:
    paras = [f"Le bilan {i} des frappes de la coalition sur Raqqa et Deir ez-Zor s'alourdit encore..." for i in
             range(30_000)]
    t0 = time.perf_counter()
    out = clean_text("\n".join(paras))
    assert time.perf_counter() - t0 < 5.0
    assert out.count("\n\n") == len(paras) - 1


def test_non_french_text_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "en.md").write_text("---\nlanguage: en\n---\nAirstrikes hit Aleppo on Tuesday.", encoding="utf-8")
    (tmp_path / "ar.txt").write_text("قصف الطيران مدينة حلب يوم الثلاثاء.", encoding="utf-8")
    (tmp_path / "ru.txt").write_text("Авиаудары по Алеппо во вторник.", encoding="cp1251")
    arts = {a.article_id: a for a in iter_articles([tmp_path])}
    assert all(isinstance(a, Article) for a in arts.values())
    assert arts["en"].language == "en" and arts["en"].text == "Airstrikes hit Aleppo on Tuesday."
    assert arts["ar"].text == "قصف الطيران مدينة حلب يوم الثلاثاء."
    assert arts["ru"].text  # undeclared cp1251 cannot be told from cp1252: read, not dropped


def test_manifest_missing_and_extra_columns(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Les combats reprennent à Deraa.", encoding="utf-8")
    csv_text = (
        "id,text,path,colonne_inconnue\n"
        "r1,Des frappes à Alep.,,x\n"
        "r2,,a.txt,y,une cellule en trop\n"
        "r3\n"
        "r4,,missing.txt\n"
    )
    (tmp_path / "m.csv").write_text(csv_text, encoding="utf-8")
    items = list(iter_manifest(tmp_path / "m.csv"))
    arts = {i.article_id: i for i in items if isinstance(i, Article)}
    errs = {e.path: e.problem for e in items if isinstance(e, InputError)}
    assert sorted(arts) == ["r1", "r2"] and arts["r2"].text == "Les combats reprennent à Deraa."
    assert set(errs) == {f"{tmp_path / 'm.csv'}:4", f"{tmp_path / 'm.csv'}:5"}
    assert "neither 'text' nor 'path'" in errs[f"{tmp_path / 'm.csv'}:4"]
    assert "'missing.txt' does not exist" in errs[f"{tmp_path / 'm.csv'}:5"]


def test_paths_that_do_not_exist() -> None:
    items = list(iter_articles(["/nonexistent/dir/a.txt", "/nonexistent", "bad\x00path.txt", DATA / "front_matter.md"]))
    assert [type(i).__name__ for i in items] == ["InputError", "InputError", "InputError", "Article"]
    assert items[0].path == "/nonexistent/dir/a.txt" and "no such file" in items[0].problem  # type: ignore[union-attr]


def test_folder_with_3000_tiny_files(tmp_path: Path) -> None:
    for i in range(3000):
        (tmp_path / f"{i:05d}.txt").write_text(f"Frappe numéro {i} sur Alep.", encoding="utf-8")
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "00042.md").write_text("Doublon d'identifiant.", encoding="utf-8")  # sorted last
    t0 = time.perf_counter()
    items = list(iter_articles([tmp_path]))
    elapsed = time.perf_counter() - t0
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, InputError)]
    assert len(arts) == 3000 and [a.article_id for a in arts] == [f"{i:05d}" for i in range(3000)]
    assert len(errs) == 1 and errs[0].path.endswith("z/00042.md") and "duplicate article id '00042'" in errs[0].problem
    assert elapsed < 6.0


def test_mixed_run_one_error_per_bad_file_every_good_file_read(tmp_path: Path) -> None:
    bad = {
        "empty.txt": b"",
        "blank.md": b"   \n\n ",
        "binary.txt": bytes(range(256)) * 4,
        "yaml.md": b"---\ntitle: [oops\n---\nAlep.",
        "fevrier.md": "---\npublished: 31 février 2018\n---\nAlep.".encode(),
        "hier.md": b"---\npublished: yesterday\n---\nAlep.",
        "scripts.html": (DATA / "scripts_only.html").read_bytes(),
        "furniture.txt": b"Rechercher\nMenu\nLire aussi : autre chose\n",
        "notype.docx": b"PK\x03\x04",
    }
    good = {
        "g1.txt": GOOD_TEXT.encode(),
        "g2.txt": GOOD_TEXT.replace("Alep", "Homs").encode("cp1252"),
        "g3.md": b"---\ntitle: Hama\npublished: 2018-07-07\n---\nCombats a Hama.",
        "g4.html": (DATA / "page_fr.html").read_bytes(),
    }
    for name, content in {**bad, **good}.items():
        (tmp_path / name).write_bytes(content)
    items = list(iter_articles([tmp_path / n for n in sorted({**bad, **good})]))
    errs = [i for i in items if isinstance(i, InputError)]
    arts = [i for i in items if isinstance(i, Article)]
    assert sorted(Path(e.path).name for e in errs) == sorted(bad)
    assert sorted(a.article_id for a in arts) == ["g1", "g2", "g3", "g4"]
    for e in errs:
        assert str(e).startswith(str(tmp_path))


# --------------------------------------------------------------------------- hypothesis properties

_PIECES = st.sampled_from(
    [
        "Alep", "Lire aussi : Idleb", "© Sputnik . Photo", "Suivez RT en français surTelegram", "Menu", "OK",
        "*Organisation terroriste interdite en Russie", "* puce", "# Titre", "## ", "...", "…", "«", "»", ".",
        "Des frappes ont visé Deir ez-Zor dimanche selon l'OSDH et des sources locales sur place.",
        "Les forces syriennes soutenues par la Russie ont repris le contrôle de la ville de Palmyre.",
        "cookies", "Tout accepter", "Et vous, qu'en pensez vous ?", "A.B", "x!Y", "\u00a0", "\u200b", "\u00ad",
        "\x0c", "\x85", "\u2028", "\t", " ", "  ",
    ]
)
_SEPARATORS = st.sampled_from(["\n", "\n\n", "\r\n", "\r", " ", "", "\n \n"])
_ARTICLE_TEXT = st.lists(st.tuples(st.one_of(_PIECES, st.text(max_size=40)), _SEPARATORS), max_size=30).map(
    lambda parts: "".join(a + b for a, b in parts)
)
_WS_RE = re.compile(r"\s+")


def _input_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(A._INVISIBLE)
    return [_WS_RE.sub("", line) for line in text.split("\n")]


@FAST
@given(_ARTICLE_TEXT)
def test_clean_text_idempotent_and_paragraphs_come_from_input(text: str) -> None:
    out = clean_text(text)
    assert clean_text(out) == out
    if not out:
        return
    paras = out.split("\n\n")
    lines = _input_lines(text)
    for para in paras:
        assert para and para == para.strip() and "\n" not in para
        assert "  " not in para
        squashed = _WS_RE.sub("", para)
        assert any(squashed in line for line in lines), para
    assert len({_WS_RE.sub("", p).casefold() for p in paras}) == len(paras)  # no repeated paragraph


@FAST
@given(st.text())
def test_clean_text_arbitrary_unicode(text: str) -> None:
    out = clean_text(text)
    assert clean_text(out) == out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out)


@FAST
@given(st.binary(max_size=2000), st.sampled_from(["a.txt", "dir/b.md", "<upload>"]))
def test_decode_bytes_returns_text_or_clear_error(data: bytes, path: str) -> None:
    try:
        text = decode_bytes(data, path)
    except InputError as exc:
        assert exc.path == path and str(exc).startswith(f"{path}: ") and exc.problem
    else:
        assert isinstance(text, str) and text.strip()


_FRENCH_WORDS = st.sampled_from(
    ["l’armée", "déjà", "Lattaquié", "Alep…", "«", "»", "“citation”", "œuvre", "3 €", "coût", "Hassaké", "où",
     "ÉTAT", "Çà", "naïf", "Noël", "à", "—", "–", "‰", "Œ", "°C", "x²", "Deir", "ez-Zor", "ĳ"]
)


@FAST
@given(st.lists(_FRENCH_WORDS, min_size=1, max_size=40))
def test_cp1252_and_latin1_french_text_decodes_exactly(words: list[str]) -> None:
    text = " ".join(words)
    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        encoded = None
    if encoded is not None:
        assert decode_bytes(encoded) == text
    latin1_text = text.encode("latin-1", errors="ignore").decode("latin-1")
    if latin1_text.strip() and not any(0x80 <= ord(c) < 0xA0 for c in latin1_text):
        assert decode_bytes(latin1_text.encode("latin-1")) == latin1_text
    assert decode_bytes(text.encode("utf-8")) == text


@SLOW
@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.md", "x.html", "x.htm", "x.pdf", "noext"]))
def test_iter_bytes_yields_exactly_one_item_and_never_raises(data: bytes, name: str) -> None:
    items = list(iter_bytes(name, data))
    assert len(items) == 1
    item = items[0]
    if isinstance(item, InputError):
        assert item.path == name and item.problem
    else:
        assert isinstance(item, Article) and item.text and item.article_id == name.split(".")[0]
        assert clean_text(item.text) == item.text


_YAML_VALUES = st.one_of(
    st.text(max_size=20), st.integers(), st.sampled_from(["2018-02-31", "31 février 2018", "yesterday",
                                                         "2018-07-07", "[a, b", "{x: 1}", ": :", "'", "- a"]))


@SLOW
@given(st.dictionaries(st.sampled_from(["title", "published", "source", "url", "language", "id", "autre"]),
                       _YAML_VALUES, max_size=5), st.text(max_size=200))
def test_front_matter_never_raises(meta: dict[str, object], body: str) -> None:
    front = "".join(f"{k}: {v}\n" for k, v in meta.items())
    items = list(iter_bytes("fm.md", f"---\n{front}---\n{body}Des frappes à Alep.".encode("utf-8", "surrogatepass")))
    assert len(items) == 1
    if isinstance(items[0], InputError):
        assert items[0].path == "fm.md"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
_ROWS = st.lists(
    st.dictionaries(st.sampled_from(["id", "text", "path", "title", "published", "language", "x"]), _JSON_VALUES,
                    max_size=6),
    max_size=8,
)


@SLOW
@given(_ROWS, st.booleans())
def test_manifest_rows_one_item_each_and_never_raise(tmp_path_factory: pytest.TempPathFactory,
                                                    rows: list[dict[str, object]], as_csv: bool) -> None:
    folder = tmp_path_factory.mktemp("m")
    (folder / "real.txt").write_text("Des frappes ont visé Alep.", encoding="utf-8")
    if as_csv:
        import csv

        path = folder / "m.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["id", "text", "path", "title", "published", "language", "x"])
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else json.dumps(v) if not isinstance(v, str) else v)
                                 for k, v in row.items()})
    else:
        path = folder / "m.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    items = list(iter_articles([path]))
    if len(items) == 1 and isinstance(items[0], InputError) and items[0].path == str(path):
        return  # the whole manifest is unusable (no rows, NUL bytes): one error naming it
    assert len(items) == len(rows)
    ids = [i.article_id for i in items if isinstance(i, Article)]
    assert len(ids) == len(set(ids))
    for item in items:
        if isinstance(item, InputError):
            assert item.path.startswith(str(path)) and item.problem


@FAST
@given(st.text())
def test_fold_phonetic_skeleton_properties(text: str) -> None:
    folded = fold(text)
    assert re.fullmatch(r"[a-z0-9 ]*", folded)
    assert folded == folded.strip() and "  " not in folded
    assert fold(folded) == folded
    assert phonetic(folded) == phonetic(text)
    assert re.fullmatch(r"[a-z0-9]*", phonetic(text))
    assert skeleton(folded) == skeleton(text)
    sk = skeleton(text)
    assert len(sk) <= len(phonetic(text))


def test_large_windows_1252_file_decodes_fast() -> None:
    data = ("À Lattaquié, l’armée a déjà « repris » l’œuvre — 3 € ; " * 80_000).encode("cp1252")  # ~4.6 MB
    t0 = time.perf_counter()
    text = decode_bytes(data, "big.txt")
    assert time.perf_counter() - t0 < 1.0
    assert text.startswith("À Lattaquié, l’armée a déjà « repris » l’œuvre — 3 € ;") and len(text) == len(data)


# --------------------------------------------------------------------------- sizes around spaCy's limit, stray colons

_LIMITS = st.sampled_from([100_000, 999_999, 1_000_000])


@given(_LIMITS, st.integers(-2, 2), st.sampled_from(["a", "a ", "a.\n", "mot. "]))
@SLOW
def test_pieces_for_sizes_around_the_spacy_limit(limit: int, delta: int, unit: str) -> None:
    from conflictmap.extract.pipeline import split_spans

    text = (unit * (limit // len(unit) + 2))[: limit + delta]
    spans = split_spans(text, limit)
    assert all(0 < b - a <= limit for a, b in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert len(spans) == (1 if len(text) <= limit else 2)


_COLON_TITLES = st.lists(st.sampled_from(["Syrie", ":", " ", "l'armée", "reprend", "Alep", "2017", "—", "«", "»"]),
                         min_size=1, max_size=8).map("".join).filter(
    lambda t: t.strip() and t.strip()[0] not in "[{|>&*!#'\"" and not t.strip().startswith(":"))


@given(_COLON_TITLES)
@FAST
def test_front_matter_with_stray_colons_keeps_the_article(title: str) -> None:
    import warnings

    text = f"---\ntitle: {title}\npublished: 2017-03-02\n---\n{GOOD_TEXT}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (art,) = iter_bytes("stray.md", text.encode())
    assert isinstance(art, Article), art
    assert str(art.published) == "2017-03-02"
    assert " ".join(art.title.split()) == " ".join(title.split())
    assert len([w for w in caught if "stray.md" in str(w.message)]) <= 1
