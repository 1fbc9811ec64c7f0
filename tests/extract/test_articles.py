"""Article loading and cleaning: the five seeds, front matter, HTML, manifests, folders."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap.errors import InputError
from conflictmap.extract.articles import (
    Article,
    article_from_html,
    article_from_text,
    clean_text,
    guess_title,
    iter_articles,
    iter_bytes,
    iter_file,
    iter_manifest,
    parse_published,
    split_front_matter,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parents[1] / "data" / "articles"


def _seed(prefix: str) -> tuple[str, Article]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    items = list(iter_file(path))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return path.read_text(encoding="utf-8"), items[0]


def _split(items: list[Article | InputError]) -> tuple[dict[str, Article], list[InputError]]:
    arts = {i.article_id: i for i in items if isinstance(i, Article)}
    errs = [i for i in items if isinstance(i, InputError)]
    assert len(arts) + len(errs) == len(items)
    return arts, errs


# --------------------------------------------------------------------------- seeds


def test_all_seeds_load_without_front_matter() -> None:
    items = list(iter_articles([SEEDS]))
    arts, errs = _split(items)
    assert errs == []
    assert sorted(arts) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for art in arts.values():
        assert art.language == "fr" and art.published is None and art.source == "" and art.url == ""
        assert art.path.endswith(art.article_id + ".txt")
        assert "\r" not in art.text and "\n\n\n" not in art.text
        assert art.text == art.text.strip()
        assert clean_text(art.text) == art.text


def test_seed_004_furniture_removed_article_kept() -> None:
    raw, art = _seed("004")
    text = art.text
    for gone in (
        "Suivez RT en français",
        "Telegram",
        "Lire aussi",
        "Staffan de Mistura",
        "Khalil Ashawi",
        "Reuters",
        "©",
        "cookies",
        "Tout Accepter",
        "Paramétrer vos choix",
        "Politique de Confidentialité",
        "Raconter l'actualité",
        "TV-Novosti",
    ):
        assert gone.lower() not in text.lower(), gone
    assert "\nOK\n" not in f"\n{text}\n"
    title = "Etats-Unis et Russie franchissent un cap dans leur coopération concernant le cessez-le-feu syrien"
    assert text.count(title) == 1 and text.startswith(title + "\n\n")
    assert art.title == title
    for kept in (
        "chef du centre à la base aérienne de Khmeimim.",
        "aucun bombardement n'avait été enregistré dans l’est de Ghouta",
        "Alep, l'une des plus grandes villes de Syrie",
        "a visé un hôpital à Alep qui était sous contrôle des forces de Damas",
        "au nord de Lattaquié, d’Alep",
    ):
        assert kept in text and kept in raw, kept


def test_seed_003_repeated_truncated_lead_removed_once() -> None:
    raw, art = _seed("003")
    lead = "Les Etats-Unis et la Russie ont eu des échanges pour maintenir la zone de \"désescalade\""
    assert raw.count(lead) == 2
    assert art.text.count(lead) == 1
    assert "Affaires..." not in art.text and not art.text.endswith("...")
    assert art.text.endswith("a admis que \"tous les problèmes n'avaient pas été réglés\".")
    assert "Rechercher" not in art.text and "Dernières Infos" not in art.text
    assert art.title == "Syrie: Washington veut garder la zone de \"désescalade\" sur l'Euphrate"
    # The first occurrence of the lead is the second paragraph, right after the title.
    assert art.text.split("\n\n")[1].startswith(lead)


def test_seed_000_photo_credits_and_footnote_removed() -> None:
    raw, art = _seed("000")
    for gone in ("© Sputnik", "Mikhail Alaeddin", "toutes les villes seraient prêtes", "© AP Photo", "Ariel Schalit",
                 "Israël nomme les conditions", "Organisation terroriste interdite"):
        assert gone in raw
        assert gone not in art.text, gone
    # The asterisks in the article sentences ("Daech*") stay: only the footnote line goes.
    assert "coalition anti-Daech* menée par les États-Unis" in art.text
    assert "jusqu'au point de passage frontalier Nassib" in art.text
    assert art.text.endswith("qui n'est pas concerné par le cessez-le-feu.")
    assert art.title == ""  # the first paragraph is a long sentence, not a headline


def test_seed_002_share_prompts_removed() -> None:
    raw, art = _seed("002")
    assert "Extrait de: Source et auteur" in raw and "Et vous, qu'en pensez vous ?" in raw
    assert "Extrait de" not in art.text and "Source et auteur" not in art.text
    assert "qu'en pensez vous" not in art.text
    assert art.text.endswith("dans la nuit du 20 au 21 septembre.")
    # A short subheading inside the article is kept.
    assert "\n\nUne région en ébullition malgré les efforts de désescalade\n\n" in art.text
    assert art.text.count("Deir ez-Zor") == raw.count("Deir ez-Zor") == 4


def test_seed_001_missing_space_after_full_stop_fixed() -> None:
    raw, art = _seed("001")
    assert "Quneitra).Selon" in raw
    assert "(provinces de Daraa et de Quneitra). Selon ce mémorandum" in art.text
    assert "le 6 mai. Le chef du Commandement" in art.text
    assert len(art.text.split("\n\n")) == len([ln for ln in raw.splitlines() if ln.strip()])


def test_every_cleaned_paragraph_comes_from_the_input() -> None:
    """Offsets are into the cleaned text, but each paragraph must trace back to the raw file."""
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        squashed_raw = "".join(raw.split())
        (art,) = iter_file(path)
        assert isinstance(art, Article)
        for para in art.text.split("\n\n"):
            assert "".join(para.split()) in squashed_raw, (path.name, para[:60])


def test_clean_text_idempotent_on_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        once = clean_text(raw)
        assert clean_text(once) == once


def test_content_hash_stable_and_sensitive() -> None:
    _, art = _seed("004")
    assert len(art.content_hash) == 64
    again = list(iter_articles([SEEDS]))
    same = next(a for a in again if isinstance(a, Article) and a.article_id == art.article_id)
    assert same.content_hash == art.content_hash
    # Another process, another hash seed: same hash.
    code = (
        "import sys; from pathlib import Path; from conflictmap.extract.articles import iter_file; "
        "p = next(Path(sys.argv[1]).glob('004_*.txt')); print(next(iter_file(p)).content_hash)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, str(SEEDS)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == art.content_hash
    # Any change to the text, metadata or id changes it.
    raw = (next(SEEDS.glob("004_*.txt"))).read_text(encoding="utf-8")
    edited = article_from_text(raw.replace("Khmeimim", "Hmeimim"), art.article_id)
    assert edited.content_hash != art.content_hash
    assert article_from_text(raw, art.article_id).content_hash == art.content_hash
    assert article_from_text(raw, "other-id").content_hash != art.content_hash
    dated = article_from_text("---\npublished: 2016-03-01\n---\n" + raw, art.article_id)
    assert dated.content_hash != art.content_hash
    # Furniture-only edits do not change the cleaned text, hence not the hash.
    assert article_from_text(raw + "\n\nLire aussi : autre chose\n", art.article_id).content_hash == art.content_hash


# --------------------------------------------------------------------------- clean_text units


@pytest.mark.parametrize(
    "line",
    [
        "Lire aussi : Alep, la bataille",
        "À lire également sur notre site",
        "Suivez-nous sur Facebook",
        "Suivez Le Monde sur Telegram",
        "Abonnez-vous à notre newsletter",
        "Rechercher",
        "Partager sur Twitter",
        "© AFP / Louai Beshara",
        "Photo : AFP",
        "Mis à jour le 12/03/2018 à 10h00",
        "Publié le 12 mars 2018",
        "Tous droits réservés",
        "Ce site utilise des cookies pour améliorer votre expérience.",
        "Menu",
        "Accueil",
        "*Organisation terroriste interdite en Russie",
        "Et vous, qu'en pensez-vous ?",
    ],
)
def test_furniture_lines_are_dropped(line: str) -> None:
    text = f"Des frappes ont visé Alep, selon l'OSDH.\n{line}\nLe bilan s'élève à douze morts à Idleb."
    assert clean_text(text) == "Des frappes ont visé Alep, selon l'OSDH.\n\nLe bilan s'élève à douze morts à Idleb."


def test_clean_text_keeps_markdown_bullets_and_strips_heading_marks() -> None:
    text = "## Bilan à Alep\n\n* Alep : douze morts dans les quartiers est\n* Idleb : trois morts"
    out = clean_text(text)
    assert out.split("\n\n") == ["Bilan à Alep", "* Alep : douze morts dans les quartiers est", "* Idleb : trois morts"]


def test_clean_text_repeated_paragraph_and_contained_paragraph() -> None:
    p1 = "Les forces syriennes ont repris la ville de Palmyre dimanche après trois semaines de combats."
    p2 = "Selon l'OSDH, les jihadistes se sont retirés vers l'est, en direction de Deir ez-Zor et de la frontière."
    text = "\n".join([p1, p2, p1, p1 + " " + p2, p2[:70] + "..."])
    assert clean_text(text) == f"{p1}\n\n{p2}"


def test_clean_text_whitespace_and_invisible_characters() -> None:
    text = "  Alep\u00a0:  des   frappes\u200b ont vi\u00adsé   la ville.\r\n\r\n\tLe bilan est lourd à Hama.\x0c"
    assert clean_text(text) == "Alep : des frappes ont visé la ville.\n\nLe bilan est lourd à Hama."


def test_guess_title() -> None:
    assert guess_title("Alep sous les bombes\n\nLe texte.") == "Alep sous les bombes"
    assert guess_title("Une phrase complète.\n\nLe texte.") == ""
    assert guess_title("x" * 200) == ""
    assert guess_title("") == ""


# --------------------------------------------------------------------------- front matter & dates


def test_front_matter_fixture() -> None:
    (art,) = iter_file(DATA / "front_matter.md")
    assert isinstance(art, Article)
    assert art.article_id == "front_matter"
    assert art.title == "Raqqa : les FDS annoncent la fin des combats"
    assert art.published == dt.date(2017, 10, 17)
    assert (art.source, art.url, art.language) == ("Le Monde", "https://www.lemonde.example/raqqa", "fr")
    assert "---" not in art.text and "title:" not in art.text and "Lire aussi" not in art.text
    assert art.text.startswith("Raqqa : les FDS annoncent la fin des combats\n\n")  # "# " heading mark stripped
    assert "retranchés dans le stade municipal" in art.text


def test_front_matter_id_crlf_and_empty() -> None:
    text = "---\r\nid: custom-id\r\ntitle: Homs\r\nlanguage: en\r\n---\r\nFighting resumed in Homs on Tuesday.\r\n"
    art = article_from_text(text, "stem")
    assert (art.article_id, art.title, art.language) == ("custom-id", "Homs", "en")
    assert art.text == "Fighting resumed in Homs on Tuesday."
    meta, body = split_front_matter("---\n---\nAlep.")
    assert meta == {} and body == "Alep."
    # A Markdown rule at the top followed by prose is not front matter.
    meta, body = split_front_matter("---\nLe texte commence ici.\n---\nSuite.")
    assert meta == {} and body.startswith("---\nLe texte")


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("title: [Alep\n", "malformed YAML front matter"),
        ("title: Alep\n  - x: : y\n", "malformed YAML front matter"),
        ("- a\n- b\n", None),  # not a "key:" line: no front matter at all
        ("title:\n  - a\n  - b\n", "must be a single value"),
        ("published: 2018-02-31\n", "not a real date"),
        ("published: 31 février 2018\n", "not a real date"),
        ("published: yesterday\n", "relative"),
        ("published: hier\n", "relative"),
        ("published: bientôt\n", "cannot parse 'bientôt'"),
    ],
)
def test_bad_front_matter_is_one_clear_error(front: str, problem: str | None) -> None:
    items = list(iter_bytes("bad.md", f"---\n{front}---\nAlep est bombardée ce matin.\n".encode()))
    assert len(items) == 1
    if problem is None:
        assert isinstance(items[0], Article)
        return
    err = items[0]
    assert isinstance(err, InputError), err
    assert err.path == "bad.md" and problem in err.problem
    assert str(err) == f"bad.md: {err.problem}"


def test_unclosed_front_matter() -> None:
    (err,) = iter_bytes("open.md", b"---\ntitle: Alep\nLe texte.\n")
    assert isinstance(err, InputError) and "never closed" in err.problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-07-07", dt.date(2018, 7, 7)),
        ("2018-07-07T10:30:00Z", dt.date(2018, 7, 7)),
        ("2018-07-07 10:30:00+02:00", dt.date(2018, 7, 7)),
        ("07/07/2018", dt.date(2018, 7, 7)),
        ("7 juillet 2018", dt.date(2018, 7, 7)),
        ("1er juillet 2018", dt.date(2018, 7, 1)),
        ("samedi 29 février 2020", dt.date(2020, 2, 29)),
        (dt.date(2018, 7, 7), dt.date(2018, 7, 7)),
        (dt.datetime(2018, 7, 7, 23, 0), dt.date(2018, 7, 7)),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_published_ok(value: object, expected: dt.date | None) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    "value", ["31 février 2018", "29 février 2019", "2018-02-30", "2018-13-01", "31/04/2018", "yesterday",
              "demain", "2018-07-07garbage", "juillet", "12"],
)
def test_parse_published_rejects(value: str) -> None:
    with pytest.raises(InputError) as info:
        parse_published(value, "a.md")
    assert info.value.path == "a.md" and repr(value) in info.value.problem and "YYYY-MM-DD" in info.value.problem


# --------------------------------------------------------------------------- HTML


def test_html_fixture_main_text_and_metadata() -> None:
    (art,) = iter_file(DATA / "page_fr.html")
    assert isinstance(art, Article), art
    assert art.article_id == "page_fr"
    assert art.title == "Syrie : l'armée reprend Khan Cheikhoun après des semaines de combats"
    assert art.text.startswith(art.title + "\n\n")
    assert art.source == "Le Journal du Levant"
    assert art.url == "https://www.journal-levant.example/monde/syrie-khan-cheikhoun"
    assert art.published == dt.date(2019, 8, 23)
    assert art.language == "fr"
    for kept in ("Khan Cheikhoun, dans le sud de la province d'Idleb", "à Morek, dans le nord de la province de Hama",
                 "près de Lataminé", "plus de 900 civils"):
        assert kept in art.text, kept
    for gone in ("cookies", "Tout accepter", "Accueil", "Rechercher", "gtag", "renderAd", "PSG", "Météo",
                 "Mentions légales", "Suivez-nous", "Tous droits", "Lire aussi", "{", "<"):
        assert gone not in art.text, gone
    assert clean_text(art.text) == art.text


def test_html_all_scripts_is_an_error() -> None:
    (err,) = iter_file(DATA / "scripts_only.html")
    assert isinstance(err, InputError)
    assert err.path.endswith("scripts_only.html") and "no article text" in err.problem


def test_html_from_bytes_in_latin1() -> None:
    html = (DATA / "page_fr.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="windows-1252"')
    (art,) = iter_bytes("page.htm", html.encode("cp1252"))
    assert isinstance(art, Article) and "près de Lataminé" in art.text and art.article_id == "page"


def test_article_from_html_direct() -> None:
    html = "<html><body><article><p>" + "Des combats ont éclaté à Alep entre rebelles et loyalistes. " * 5 + "</p>"
    art = article_from_html(html + "</article></body></html>", "x")
    assert "Des combats ont éclaté à Alep" in art.text


# --------------------------------------------------------------------------- manifests


def test_csv_manifest_fixture() -> None:
    arts, errs = _split(list(iter_file(DATA / "manifest.csv")))
    assert sorted(arts) == ["csv-alep", "csv-file", "manifest-5"]
    alep = arts["csv-alep"]
    assert (alep.title, alep.published, alep.source, alep.url) == (
        "Alep sous les bombes", dt.date(2016, 12, 1), "AFP", "https://example.org/alep")
    assert alep.text == "Les quartiers est d'Alep ont été bombardés jeudi, a indiqué l'OSDH."
    assert alep.path.endswith("manifest.csv:2")
    # A 'path' row reads the file; the manifest's metadata wins over the front matter.
    f = arts["csv-file"]
    assert (f.title, f.source, f.published) == ("Titre du manifeste", "Manifeste", dt.date(2017, 10, 17))
    assert f.url == "https://www.lemonde.example/raqqa" and "stade municipal" in f.text
    assert f.content_hash == f.compute_hash()
    assert arts["manifest-5"].title == "Sans id"  # no id: manifest stem and line
    problems = {e.path.rsplit(":", 1)[1]: e.problem for e in errs}
    assert set(problems) == {"4", "6", "7", "8"}
    assert "does_not_exist.txt" in problems["4"] and "does not exist" in problems["4"]
    assert "31 février 2018" in problems["6"] and "not a real date" in problems["6"]
    assert "duplicate article id 'csv-alep'" in problems["7"]
    assert "neither 'text' nor 'path'" in problems["8"]


def test_jsonl_manifest_fixture() -> None:
    arts, errs = _split(list(iter_manifest(DATA / "manifest.jsonl")))
    assert sorted(arts) == ["jl-1", "jl-2", "jl-4"]
    assert arts["jl-1"].published == dt.date(2019, 8, 23) and arts["jl-1"].title == "Idleb"
    assert arts["jl-2"].source == "Reprise JSONL" and arts["jl-2"].title.startswith("Raqqa")
    assert arts["jl-4"].language == "en"
    problems = {e.path.rsplit(":", 1)[1]: e.problem for e in errs}
    assert set(problems) == {"3", "4", "5", "6"}
    assert "invalid JSON" in problems["3"]
    assert "must be an object" in problems["4"]
    assert "yesterday" in problems["5"]
    assert "duplicate article id 'jl-1'" in problems["6"]


def test_csv_semicolon_bom_quoted_newlines(tmp_path: Path) -> None:
    text = 'id;titre;text\r\na1;x;"Première ligne à Alep.\r\nDeuxième ligne à Homs."\r\na2;y;"Raqqa; Deir ez-Zor."\r\n'
    (tmp_path / "m.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    arts, errs = _split(list(iter_file(tmp_path / "m.csv")))
    assert errs == []
    assert arts["a1"].text == "Première ligne à Alep.\n\nDeuxième ligne à Homs."
    assert arts["a2"].text == "Raqqa; Deir ez-Zor." and arts["a2"].path.endswith("m.csv:4")


def test_csv_manifest_without_text_or_path_column(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("id,title,body\n1,Alep,Le texte\n2,Homs,Autre\n", encoding="utf-8")
    (err,) = iter_file(tmp_path / "m.csv")
    assert isinstance(err, InputError) and "neither a 'text' nor a 'path' column" in err.problem
    assert "body" in err.problem and err.path.endswith("m.csv")


def test_csv_manifest_header_only_and_long_field(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("id,text\n", encoding="utf-8")
    (err,) = iter_file(tmp_path / "h.csv")
    assert isinstance(err, InputError) and "no rows" in err.problem
    long_text = "Des frappes ont visé Alep. " * 10_000  # 270 kB: over csv's default field limit
    (tmp_path / "l.csv").write_text(f'id,text\nlong,"{long_text}"\n', encoding="utf-8")
    (art,) = iter_file(tmp_path / "l.csv")
    assert isinstance(art, Article) and art.text == long_text.strip()


def test_manifest_path_cannot_point_to_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "self.jsonl").write_text(json.dumps({"id": "loop", "path": "self.jsonl"}) + "\n", encoding="utf-8")
    (err,) = iter_file(tmp_path / "self.jsonl")
    assert isinstance(err, InputError) and "must name a .txt, .md or .html file" in err.problem


def test_manifest_non_string_text(tmp_path: Path) -> None:
    (tmp_path / "m.jsonl").write_text('{"id": 7, "text": ["a"]}\n{"id": 0, "text": "Alep."}\n', encoding="utf-8")
    arts, errs = _split(list(iter_file(tmp_path / "m.jsonl")))
    assert list(arts) == ["0"] and "'text' must be a string" in errs[0].problem


# --------------------------------------------------------------------------- folders


def test_folder_sorted_recursive_hidden_ignored(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "02.txt").write_text("Deuxième article : Homs.", encoding="utf-8")
    (tmp_path / "01.md").write_text("Premier article : Alep.", encoding="utf-8")
    (tmp_path / "03.txt").write_text("Troisième article : Idleb.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Caché.", encoding="utf-8")
    (tmp_path / ".git" / "x.txt").write_text("Caché aussi.", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "03.txt~").write_text("Sauvegarde.", encoding="utf-8")
    items = list(iter_articles([tmp_path]))
    assert [i.article_id for i in items if isinstance(i, Article)] == ["01", "03", "02"]  # files before subfolders
    assert all(isinstance(i, Article) for i in items)
    assert [i.article_id for i in iter_articles([tmp_path / "b", tmp_path / "01.md"])] == ["02", "01"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.txt").write_text("Le premier texte, à Alep.", encoding="utf-8")
    (tmp_path / "b" / "same.md").write_text("Le second texte, à Homs.", encoding="utf-8")
    (tmp_path / "c.md").write_text("---\nid: same\n---\nLe troisième texte, à Hama.", encoding="utf-8")
    items = list(iter_articles([tmp_path]))
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, InputError)]
    assert [a.path for a in arts] == [str(tmp_path / "a" / "same.txt")]
    assert sorted(e.path for e in errs) == sorted([str(tmp_path / "c.md"), str(tmp_path / "b" / "same.md")])
    for e in errs:
        assert "duplicate article id 'same'" in e.problem and str(tmp_path / "a" / "same.txt") in e.problem


def test_same_folder_given_twice_reports_duplicates(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("Alep.", encoding="utf-8")
    items = list(iter_articles([tmp_path, tmp_path / "x.txt"]))
    assert isinstance(items[0], Article) and isinstance(items[1], InputError)


def test_missing_paths_empty_folder_unsupported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    (tmp_path / "ok.txt").write_text("Des frappes à Alep.", encoding="utf-8")
    items = list(iter_articles([tmp_path / "nope.txt", tmp_path / "empty", tmp_path / "doc.pdf", tmp_path / "ok.txt"]))
    assert [type(i).__name__ for i in items] == ["InputError", "InputError", "InputError", "Article"]
    assert items[0].problem == "no such file or folder"  # type: ignore[union-attr]
    assert "folder has no article files" in items[1].problem  # type: ignore[union-attr]
    assert "unsupported file type '.pdf'" in items[2].problem  # type: ignore[union-attr]
