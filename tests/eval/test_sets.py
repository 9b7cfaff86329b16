"""Named evaluation sets: the registry, --set on the command line, SET: thresholds, and a run on a tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from core.settings import Settings
from core.text import canon
from eval.dataset import DEFAULT_QA, load_qa
from eval.sets import DATA, REGISTRY, EvalSet, SetError, resolve
from eval.suite import EvalOptions, UsageError, execute, parse_set_thresholds
from ingest import load_document, normalize
from tests.conftest import corpus_file


@pytest.fixture(autouse=True)
def _keep_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in test_eval_cli.py: main() would point structlog at capsys's buffer, closed after the test.
    monkeypatch.setattr("cli.main.configure_logging", lambda *a, **k: None)


# --- the registry --------------------------------------------------------------------------------------------------
def test_registry_names_files_and_corpora() -> None:
    assert list(REGISTRY) == ["dev", "heldout", "train", "train-docs", "train-subsidy", "train-report",
                             "train-rules", "train-brand", "train-cowork", "guide", "library"]
    assert REGISTRY["dev"].qa == DEFAULT_QA and REGISTRY["heldout"].qa == DATA / "heldout.jsonl"
    assert REGISTRY["train"].qa == DATA / "train.jsonl"
    assert REGISTRY["guide"].qa == DATA / "guide" / "guide.jsonl" and REGISTRY["guide"].corpus == (DATA / "guide",)
    assert REGISTRY["library"].corpus_files() == [DATA / "library" / "city_library_guide.html"]
    assert all(REGISTRY[n].corpus is None for n in ("dev", "heldout", "train"))
    assert REGISTRY["dev"].missing() is None and REGISTRY["heldout"].missing() is None
    # Each training document is its own set over its own index (the way bench/train_reader.py reads them).
    for name, doc in (("train-docs", "university_ip_policy.html"), ("train-subsidy", "city_foreign_filing_subsidy.html"),
                      ("train-report", "trade_secret_report.md"), ("train-rules", "employee_invention_rules.txt"),
                      ("train-brand", "regional_brand_handbook.html"),
                      ("train-cowork", "coworking_membership_guide.md")):
        s = REGISTRY[name]
        assert s.corpus == (DATA / "train_docs" / doc,) and s.missing() is None
        assert s.corpus_files() == [DATA / "train_docs" / doc]


def test_resolve() -> None:
    assert [s.name for s in resolve(["heldout", "dev", "dev"])] == ["dev", "heldout"]  # registry order, no repeats
    assert [s.name for s in resolve(["all"])] == list(REGISTRY)
    assert [s.name for s in resolve(["dev", "ALL"])] == list(REGISTRY)
    names = ("dev, heldout, train, train-docs, train-subsidy, train-report, train-rules, train-brand, train-cowork, guide, "
             "library, all")
    with pytest.raises(SetError, match=f"unknown set 'nope' \\(choose from {names}\\)"):
        resolve(["dev", "nope"])


def test_set_names_are_checked() -> None:
    for bad in ("all", "Dev", "a b", "", "x:y"):
        with pytest.raises(ValueError, match="invalid evaluation set name"):
            EvalSet(bad, Path("q.jsonl"))


def test_missing_files_and_corpus_files(tmp_path: Path) -> None:
    assert "does not exist" in (EvalSet("x", tmp_path / "none.jsonl").missing() or "")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    qa = corpus / "qa.jsonl"
    qa.write_text("{}\n", encoding="utf-8")
    s = EvalSet("x", qa, (corpus,))
    (corpus / "README.md").write_text("# about this folder\n", encoding="utf-8")
    (corpus / "check.py").write_text("print(1)\n", encoding="utf-8")
    assert s.corpus_files() == [] and "holds no document" in (s.missing() or "")
    assert "does not exist" in (EvalSet("x", qa, (tmp_path / "gone",)).missing() or "")
    (corpus / "guide.html").write_text("<p>本文</p>", encoding="utf-8")
    (corpus / "guide.en.jsonl").write_text("", encoding="utf-8")  # a translation sidecar: found by ingest itself
    (corpus / "sub").mkdir()
    (corpus / "sub" / "more.md").write_text("本文", encoding="utf-8")
    assert s.corpus_files() == [corpus / "guide.html", corpus / "sub" / "more.md"]
    assert s.missing() is None


def test_settings_for_a_set_with_its_own_corpus(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    s = EvalSet("guide", tmp_path / "g.jsonl", (tmp_path / "g",))
    own = s.settings_for(settings)
    assert own.corpus_dir == tmp_path / "g" and own.resolved_index_dir == tmp_path / "var" / "eval-index" / "guide"
    assert own.var_dir == settings.var_dir and settings.index_dir is None  # the original is untouched
    assert EvalSet("dev", DEFAULT_QA).settings_for(settings) is settings


@pytest.mark.parametrize("name", list(REGISTRY))
def test_quotes_and_list_items_are_in_the_sets_corpus(name: str) -> None:
    s = REGISTRY[name]
    if s.missing():
        pytest.skip(f"set {name}: {s.missing()}")
    files = s.corpus_files() if s.corpus is not None else [corpus_file()]
    text = "".join(canon(normalize(load_document(f).page_content).text) for f in files)
    items = load_qa(s.qa)
    for it in items:
        for q in it.gold_quotes + it.list_items:
            assert canon(q) in text, (it.id, q)


# --- thresholds and arguments ----------------------------------------------------------------------------------------
def test_set_prefixed_thresholds() -> None:
    got = parse_set_thresholds(["r@5=0.8", "dev:citation_recall=0.92", "dev:r@5=0.9", "guide:ja.list_coverage=0.5"],
                               ["dev", "heldout", "guide"], list(REGISTRY))
    assert got == {
        "dev": {"overall.r@5": 0.9, "overall.citation_recall": 0.92},  # the set's own value wins over the common one
        "heldout": {"overall.r@5": 0.8},
        "guide": {"overall.r@5": 0.8, "ja.list_coverage": 0.5},
    }
    with pytest.raises(UsageError, match="unknown set 'prod'"):
        parse_set_thresholds(["prod:r@5=0.5"], ["dev"], list(REGISTRY))
    with pytest.raises(UsageError, match="which --set does not select"):
        parse_set_thresholds(["heldout:r@5=0.5"], ["dev"], list(REGISTRY))
    with pytest.raises(UsageError, match="unknown metric 'recall'"):
        parse_set_thresholds(["dev:recall=0.5"], ["dev"], list(REGISTRY))
    with pytest.raises(UsageError, match="empty set name"):
        parse_set_thresholds([":r@5=0.5"], ["dev"], list(REGISTRY))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--qa", str(DEFAULT_QA), "--set", "dev"], "--qa and --set cannot be combined"),
        (["eval", "--set", "prod"], "unknown set 'prod'"),
        (["eval", "--fail-under", "dev:r@5=0.9"], "set prefixes need --set"),
        (["eval", "--set", "dev", "--fail-under", "heldout:r@5=0.9"], "which --set does not select"),
    ],
)
def test_set_usage_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ipqa: error:") and message in err[0], err


def test_url_with_a_set_of_its_own_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "doc.md").write_text("本文", encoding="utf-8")
    (tmp_path / "qa.jsonl").write_text(json.dumps(TINY_QA[0], ensure_ascii=False) + "\n", encoding="utf-8")
    own = EvalSet("own", tmp_path / "qa.jsonl", (tmp_path,))
    monkeypatch.setattr("eval.sets.REGISTRY", {"own": own, "later": EvalSet("later", tmp_path / "later.jsonl")})
    assert main(["eval", "--set", "own", "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--set own has its own corpus" in err[0]
    # Through "all" it is skipped instead (here nothing else is left, so: exit 1, nothing to run).
    assert main(["eval", "--set", "all", "--url", "http://127.0.0.1:9", "--out", str(tmp_path / "out")]) == 1
    text = capsys.readouterr().err
    assert "set own skipped: has its own corpus" in text and "no evaluation set to run" in text


def test_only_missing_sets_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("eval.sets.REGISTRY", {"later": EvalSet("later", tmp_path / "later.jsonl")})
    assert main(["eval", "--set", "all", "--out", str(tmp_path / "out"), "--fail-under", "later:r@5=0.5"]) == 1
    err = capsys.readouterr().err
    assert "set later skipped: QA file" in err and "thresholds are not checked" in err
    assert "no evaluation set to run" in err.strip().splitlines()[-1]


# --- a whole run over a tiny corpus of its own -------------------------------------------------------------------------
TINY_DOC = """# みなと市 知財相談ガイド

## 1 相談窓口

みなと市産業振興財団は、知財相談窓口を2025年4月に開設する。相談は無料で、弁理士が対応する。

## 2 支援メニュー

支援メニューは次のとおりである。
- 特許出願費用の助成
- 専門家による無料相談
- 海外展開セミナーの開催
"""

TINY_QA = [
    {"id": "t-ja-1", "lang": "ja", "question": "知財相談窓口はいつ開設されますか？",
     "gold_quotes": ["知財相談窓口を2025年4月に開設する"], "answer": "2025年4月に開設されます。", "answerable": True,
     "kind": "fact"},
    {"id": "t-ja-2", "lang": "ja", "question": "支援メニューには何がありますか？すべて挙げてください。",
     "gold_quotes": ["特許出願費用の助成", "専門家による無料相談", "海外展開セミナーの開催"],
     "answer": "特許出願費用の助成、専門家による無料相談、海外展開セミナーの開催です。", "answerable": True, "kind": "list",
     "list_items": ["特許出願費用の助成", "専門家による無料相談", "海外展開セミナーの開催"]},
    {"id": "t-en-1", "lang": "en", "question": "How many employees does the foundation have?", "gold_quotes": [],
     "answer": "The guide does not say.", "answerable": False, "kind": "unanswerable"},
]


def test_set_run_on_a_tiny_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "tiny"
    corpus.mkdir()
    (corpus / "guide.md").write_text(TINY_DOC, encoding="utf-8")
    qa = corpus / "tiny.jsonl"  # next to the documents, as eval/data/guide/ keeps it: not ingested
    qa.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in TINY_QA), encoding="utf-8")
    registry = {"tiny": EvalSet("tiny", qa, (corpus,)), "later": EvalSet("later", tmp_path / "later.jsonl")}
    monkeypatch.setattr("eval.sets.REGISTRY", registry)
    monkeypatch.setenv("IPQA_VAR_DIR", str(tmp_path / "var"))
    out = tmp_path / "out"
    argv = ["eval", "--set", "all", "--out", str(out), "--no-judge", "--baseline",
            "--fail-under", "tiny:r@5=0.0", "false_abstention=1.0", "tiny:list_coverage=0.0"]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "set later skipped: QA file" in captured.err
    assert "index " + str(tmp_path / "var" / "eval-index" / "tiny") in captured.err
    assert (tmp_path / "var" / "eval-index" / "tiny" / "manifest.json").is_file()

    for name in ("metrics.json", "per_question.jsonl", "report.md"):
        assert (out / "tiny" / name).is_file() and (out / "tiny" / name).stat().st_size > 0, name
    doc = json.loads((out / "tiny" / "metrics.json").read_text(encoding="utf-8"))
    assert doc["run"]["set"] == "tiny" and doc["run"]["corpus"] == [str(corpus)]
    assert doc["system"]["info"]["chunks"] >= 1 and doc["system"]["support"]["overall"]["questions"] == 3
    system = doc["system"]["metrics"]["overall"]
    for key in ("r@5", "mrr@10", "citation_recall", "list_coverage", "abstain_recall", "false_abstention"):
        assert isinstance(system[key], float) and 0.0 <= system[key] <= 1.0, key
    assert doc["system"]["support"]["overall"]["list_coverage"] == 1
    assert doc["baseline"]["metrics"]["overall"]["false_abstention"] == 0.0  # the baseline never abstains
    assert [t["ok"] for t in doc["thresholds"]] == [True, True, True]

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["columns"] == ["r@5", "mrr@10", "ja.citation_recall", "en.citation_recall", "list_coverage",
                                  "abstain_recall", "false_abstention"]
    tiny, later = summary["sets"]
    assert later == {"set": "later", "qa_file": str(tmp_path / "later.jsonl"), "corpus": None, "status": "skipped",
                     "reason": f"QA file {tmp_path / 'later.jsonl'} does not exist"}
    assert tiny["status"] == "ok" and tiny["questions"] == 3 and tiny["report"] == "tiny/report.md"
    assert isinstance(tiny["metrics"]["r@5"], float) and isinstance(tiny["metrics"]["list_coverage"], float)
    assert tiny["metrics"]["en.citation_recall"] is None  # the one English question is not answerable
    assert tiny["baseline"]["false_abstention"] == 0.0
    assert tiny["thresholds"] == {"checked": 3, "failed": []}
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "| set | n | `r@5` |" in md and "| tiny | 3 | " in md and "| tiny (baseline) | 3 | " in md
    assert "- `later`: QA file" in md
    assert "tiny (baseline)" in captured.out and "false_abstention" in captured.out

    # A rerun reuses the unchanged document's chunks and vectors; a breached per-set threshold exits 1 with one line.
    code = main(["eval", "--set", "tiny", "--out", str(out), "--no-judge", "--fail-under", "r@5=0.0",
                 "tiny:char_f1=1.0"])
    captured = capsys.readouterr()
    assert code == 1
    assert "(0 embedded, 1 documents unchanged)" in captured.err
    breaches = [line for line in captured.err.splitlines() if "threshold" in line]
    assert len(breaches) == 1 and breaches[0].startswith("ipqa: eval: tiny:overall.char_f1 = ")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["sets"][0]["thresholds"]["failed"] == [
        "overall.char_f1"]


def test_set_over_the_configured_corpus_uses_the_injected_service(
    tmp_path: Path, built_settings: Settings, engine, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    from service.answer import AnswerService

    rows = [json.loads(line) for line in DEFAULT_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    qa = tmp_path / "two.jsonl"
    qa.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["id"] in ("ja-001", "en-043")),
                  encoding="utf-8")
    registry = {"two": EvalSet("two", qa), "again": EvalSet("again", qa)}
    out = tmp_path / "out"
    opts = EvalOptions(sets=["two", "again"], registry=registry, out=out, judge=False, progress=False,
                       fail_under=["r@5=0.0", "two:char_f1=1.0"])
    code = execute(opts, built_settings, service=AnswerService(engine))
    captured = capsys.readouterr()
    assert code == 1
    breaches = [line for line in captured.err.splitlines() if line.startswith("ipqa: eval:") and "threshold" in line]
    assert [line.split()[2] for line in breaches] == ["two:overall.char_f1"]  # only "two" has the 1.0 threshold
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [s["set"] for s in summary["sets"]] == ["two", "again"]
    assert summary["sets"][0]["thresholds"]["failed"] == ["overall.char_f1"]
    assert summary["sets"][1]["thresholds"] == {"checked": 1, "failed": []}
    assert summary["sets"][0]["metrics"]["r@5"] == 1.0  # ja-001 is retrieved at rank 1 (test_eval_cli.py)
    assert "FAIL 1" in (out / "summary.md").read_text(encoding="utf-8")
    assert (out / "two" / "report.md").is_file() and (out / "again" / "report.md").is_file()
