"""Named evaluation sets: a QA file and the corpus its gold quotes come from (docs/evaluation.md "Evaluation sets").

A set whose ``corpus`` is None is asked against the configured corpus and index (the bundled plan by default); a set
with its own corpus gets its own index under ``<var_dir>/eval-index/<name>``, built by ``ipqa eval`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.settings import REPO_ROOT, Settings

DATA = REPO_ROOT / "eval" / "data"
ALL = "all"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SetError(ValueError):
    """An unknown set name (a usage error)."""


@dataclass(frozen=True)
class EvalSet:
    name: str
    qa: Path
    corpus: tuple[Path, ...] | None = None  # None: the configured corpus (IPQA_CORPUS_DIR plus uploads) and its index
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name == ALL:
            raise ValueError(f"invalid evaluation set name {self.name!r} (lowercase letters, digits, '-', '_'; not 'all')")

    def corpus_files(self) -> list[Path]:
        """The documents of the set's own corpus: its folders expanded, loadable types only, without README files (a
        QA file, its notes and scripts kept next to the documents are not documents). Empty for a set over the
        configured corpus."""
        from ingest import SUPPORTED_SUFFIXES, discover

        if self.corpus is None:
            return []
        existing = [p for p in self.corpus if p.exists()]
        qa = self.qa.resolve()
        return [f for f in discover(existing)
                if f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.lower().startswith("readme") and f.resolve() != qa]

    def missing(self) -> str | None:
        """Why the set cannot run yet (its QA file or corpus does not exist), or None when it can."""
        if not self.qa.is_file():
            return f"QA file {self.qa} does not exist"
        if self.corpus is not None:
            absent = [str(p) for p in self.corpus if not p.exists()]
            if absent:
                return f"corpus {', '.join(absent)} does not exist"
            if not self.corpus_files():
                return f"corpus {', '.join(str(p) for p in self.corpus)} holds no document"
        return None

    def index_dir(self, settings: Settings) -> Path:
        return settings.var_dir / "eval-index" / self.name

    def settings_for(self, settings: Settings) -> Settings:
        """A copy of ``settings`` whose corpus and index are the set's own (unchanged for a set without a corpus)."""
        if self.corpus is None:
            return settings
        first = self.corpus[0]
        corpus_dir = first.parent if first.is_file() else first
        return settings.model_copy(update={"corpus_dir": corpus_dir, "index_dir": self.index_dir(settings)})


def _training_document(name: str, document: str, what: str) -> EvalSet:
    """A training document of eval/data/train_docs/ with its questions beside it (<stem>.jsonl), over its own index."""
    doc = DATA / "train_docs" / document
    return EvalSet(name, doc.with_suffix(".jsonl"), (doc,), f"training questions over {what} with its own index")


REGISTRY: dict[str, EvalSet] = {
    s.name: s
    for s in (
        EvalSet("dev", DATA / "dev.jsonl", None, "development set: tuning and CI gate (bundled plan)"),
        EvalSet("heldout", DATA / "heldout.jsonl", None, "written blind by another author; generalization only"),
        EvalSet("train", DATA / "train.jsonl", None, "training questions (bundled plan)"),
        # Each training document in an index of its own, as bench/train_reader.py reads them.
        _training_document("train-docs", "university_ip_policy.html",
                           "a second training document (university IP policy, HTML)"),
        _training_document("train-subsidy", "city_foreign_filing_subsidy.html",
                           "a municipal subsidy call (HTML: tables, lists, FAQ)"),
        _training_document("train-report", "trade_secret_report.md", "a survey report (Markdown)"),
        _training_document("train-rules", "employee_invention_rules.txt",
                           "a company's employee-invention rules (plain text: articles, Q&A)"),
        _training_document("train-brand", "regional_brand_handbook.html",
                           "a prefecture's regional-brand handbook (HTML)"),
        _training_document("train-cowork", "coworking_membership_guide.md",
                           "a coworking space's membership guide (Markdown), outside intellectual property"),
        EvalSet("guide", DATA / "guide" / "guide.jsonl", (DATA / "guide",), "startup IP guide (HTML) with its own index"),
        EvalSet("library", DATA / "library" / "library.jsonl", (DATA / "library",),
                "a city library's user guide (HTML), outside intellectual property; report only"),
    )
}


def resolve(names: list[str], registry: Mapping[str, EvalSet] | None = None) -> list[EvalSet]:
    """The sets named on the command line, in registry order, without repeats; ``all`` selects every registered set
    (the caller skips those whose files are missing). Raises SetError on an unknown name."""
    reg = REGISTRY if registry is None else registry
    wanted = {n.strip().lower() for n in names}
    unknown = sorted(wanted - set(reg) - {ALL})
    if unknown:
        raise SetError(f"--set: unknown set {unknown[0]!r} (choose from {', '.join([*reg, ALL])})")
    return [s for name, s in reg.items() if ALL in wanted or name in wanted]
