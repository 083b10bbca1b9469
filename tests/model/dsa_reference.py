#!/usr/bin/env python3
"""An independent DeepSeek-V3.2 (DSA) forward pass in float64 numpy, written from the paper's and
DeepSeek's reference formulas (shared/reference/deepseek-v32.md §1), not from the C++ engine:
MLA in its expanded multi-head form (k_nope and v per head), the lightning indexer with
half-split RoPE and LayerNorm keys, causal top-k selection, HF noaux_tc MoE routing, YaRN.

The engine stores indexer keys in bf16, so the reference rounds them to bf16 too; everything
else is float64. Besides the logits it reports whether every top-k cut (and every MoE routing
decision) has a clear margin, because near ties are decided differently by float32 and float64
and both answers are right (§1.8).

usage: dsa_reference.py CHECKPOINT_DIR IDS [--dense] [--topk N]   -> JSON on stdout
"""
import json, math, os, sys
import numpy as np


def load_tensors(d):
    index = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(index):
        files = sorted(set(json.load(open(index))["weight_map"].values()))
    else:
        files = sorted(f for f in os.listdir(d) if f.endswith(".safetensors"))
    out = {}
    for f in files:
        raw = open(os.path.join(d, f), "rb").read()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8:8 + n])
        base = 8 + n
        for name, t in header.items():
            if name == "__metadata__":
                continue
            b, e = t["data_offsets"]
            buf = raw[base + b: base + e]
            if t["dtype"] == "BF16":
                a = (np.frombuffer(buf, np.uint16).astype(np.uint32) << 16).view(np.float32)
            elif t["dtype"] == "F16":
                a = np.frombuffer(buf, np.float16)
            else:
                a = np.frombuffer(buf, np.float32)
            out[name] = a.astype(np.float64).reshape(t["shape"])
    return out


def to_bf16(x):
    """Round float64 -> float32 -> bf16 (nearest even), back to float64."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return ((u.astype(np.uint32) << 16).view(np.float32)).astype(np.float64)


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps=1e-6):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def yarn_inv_freq(cfg, dim):
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv, 1.0
    factor = rs["factor"]
    orig = rs.get("original_max_position_embeddings", 4096)
    fast, slow = rs.get("beta_fast", 32), rs.get("beta_slow", 1)

    def corr(rot):
        return dim * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(base))

    low, high = max(math.floor(corr(fast)), 0), min(math.ceil(corr(slow)), dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2) - low) / (high - low), 0, 1)
    keep = 1.0 - ramp
    inv = inv / factor * (1 - keep) + inv * keep

    def mscale(s, m):
        return 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0

    return inv, mscale(factor, rs.get("mscale", 1)) / mscale(factor, rs.get("mscale_all_dim", 0))


def rope(x, pos, inv, msc, interleaved):
    """x [..., T, d]: interleaved rotates (2i, 2i+1); half-split rotates (i, i + d/2)."""
    ang = np.outer(pos, inv)  # [T, d/2]
    c, s = np.cos(ang) * msc, np.sin(ang) * msc
    if interleaved:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return out
    h = x.shape[-1] // 2
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * c - b * s, a * s + b * c], -1)


class Margins:
    """Smallest relative gap at any top-k or routing cut; exact ties are fine when both sides
    are certain to compute them exactly (all indexer heads clearly negative)."""

    def __init__(self):
        self.worst = math.inf

    def cut(self, scores, k, exact_tie_ok=lambda i, j: False):
        order = np.lexsort((np.arange(len(scores)), -scores))
        a, b = order[k - 1], order[k]
        gap = scores[a] - scores[b]
        if gap == 0 and exact_tie_ok(a, b):
            return order[:k]
        scale = np.abs(scores).max() + 1e-30
        self.worst = min(self.worst, gap / scale)
        return order[:k]


def forward(d, ids, dense=False, topk_override=0):
    cfg = json.load(open(os.path.join(d, "config.json")))
    W = load_tensors(d)
    T = len(ids)
    pos = np.arange(T)
    D, H = cfg["hidden_size"], cfg["num_attention_heads"]
    nope, rd, vd = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    kvr = cfg["kv_lora_rank"]
    Hi, di = cfg["index_n_heads"], cfg["index_head_dim"]
    topk = topk_override or cfg["index_topk"]
    eps = cfg.get("rms_norm_eps", 1e-6)
    inv, msc = yarn_inv_freq(cfg, rd)
    scale = (nope + rd) ** -0.5
    rs = cfg.get("rope_scaling")
    if rs and rs.get("mscale_all_dim"):
        m = 0.1 * rs["mscale_all_dim"] * math.log(rs["factor"]) + 1.0
        scale *= m * m
    margins = Margins()
    selections = [[[] for _ in range(cfg["num_hidden_layers"])] for _ in range(T)]
    x = W["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = p + "self_attn."
        xn = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        qr = rms_norm(xn @ W[a + "q_a_proj.weight"].T, W[a + "q_a_layernorm.weight"], eps)
        q = (qr @ W[a + "q_b_proj.weight"].T).reshape(T, H, nope + rd)
        q_nope = q[..., :nope]
        q_rope = rope(q[..., nope:].transpose(1, 0, 2), pos, inv, msc, True).transpose(1, 0, 2)
        kv = xn @ W[a + "kv_a_proj_with_mqa.weight"].T
        c = rms_norm(kv[:, :kvr], W[a + "kv_a_layernorm.weight"], eps)
        k_rope = rope(kv[:, kvr:], pos, inv, msc, True)
        kvb = W[a + "kv_b_proj.weight"].reshape(H, nope + vd, kvr)
        k_nope = np.einsum("hnr,sr->shn", kvb[:, :nope], c)
        v = np.einsum("hvr,sr->shv", kvb[:, nope:], c)
        logits = (np.einsum("thn,shn->hts", q_nope, k_nope) + np.einsum("thr,sr->hts", q_rope, k_rope)) * scale
        # ---- lightning indexer ----
        qi = (qr @ W[a + "indexer.wq_b.weight"].T).reshape(T, Hi, di)
        qi = np.concatenate([rope(qi[..., :rd].transpose(1, 0, 2), pos, inv, msc, False).transpose(1, 0, 2), qi[..., rd:]], -1)
        ki = layer_norm(xn @ W[a + "indexer.wk.weight"].T, W[a + "indexer.k_norm.weight"], W[a + "indexer.k_norm.bias"])
        ki = np.concatenate([rope(ki[:, :rd], pos, inv, msc, False), ki[:, rd:]], -1)
        ki = to_bf16(ki)
        wts = (xn @ W[a + "indexer.weights_proj.weight"].T) * Hi ** -0.5 * di ** -0.5
        dots = np.einsum("thd,sd->ths", qi, ki)
        score = np.einsum("th,ths->ts", wts, np.maximum(dots, 0))
        mask = np.full((T, T), -np.inf)
        for t in range(T):
            if dense or t + 1 <= topk:
                mask[t, : t + 1] = 0
                continue
            s = score[t, : t + 1]
            tie_ok = lambda i, j, t=t: bool((dots[t, :, i] < -1e-6).all() and (dots[t, :, j] < -1e-6).all())
            sel = np.sort(margins.cut(s, topk, tie_ok))
            mask[t, sel] = 0
            selections[t][l] = [int(i) for i in sel]
        logits = logits + mask[None]
        logits -= logits.max(-1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(-1, keepdims=True)
        o = np.einsum("hts,shv->thv", prob, v).reshape(T, H * vd)
        x = x + o @ W[a + "o_proj.weight"].T
        # ---- FFN ----
        hn = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)

        def mlp(pre, z):
            g = z @ W[pre + "gate_proj.weight"].T
            return ((g / (1 + np.exp(-g))) * (z @ W[pre + "up_proj.weight"].T)) @ W[pre + "down_proj.weight"].T

        moe = cfg.get("n_routed_experts", 0) > 0 and l >= cfg.get("first_k_dense_replace", 0) and l % cfg.get("moe_layer_freq", 1) == 0
        if not moe:
            x = x + mlp(p + "mlp.", hn)
            continue
        E, G, TG, K = cfg["n_routed_experts"], cfg["n_group"], cfg["topk_group"], cfg["num_experts_per_tok"]
        sig = 1 / (1 + np.exp(-(hn @ W[p + "mlp.gate.weight"].T)))
        choice = sig + W[p + "mlp.gate.e_score_correction_bias"]
        out = np.zeros_like(x)
        if cfg.get("n_shared_experts", 0):
            out += mlp(p + "mlp.shared_experts.", hn)
        for t in range(T):
            groups = choice[t].reshape(G, E // G)
            gscore = np.sort(groups, -1)[:, ::-1][:, :2].sum(-1)
            chosen_g = margins.cut(gscore, TG) if TG < G else np.arange(G)
            masked = np.zeros(E)
            for g in chosen_g:
                masked[g * (E // G):(g + 1) * (E // G)] = choice[t, g * (E // G):(g + 1) * (E // G)]
            experts = margins.cut(masked, K) if K < E else np.arange(E)
            w = sig[t, experts]
            if K > 1 and cfg.get("norm_topk_prob", True):
                w = w / (w.sum() + 1e-20)
            w = w * cfg.get("routed_scaling_factor", 1.0)
            for e, we in zip(experts, w):
                out[t] += we * mlp(p + f"mlp.experts.{e}.", hn[t:t + 1])[0]
        x = x + out
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    return x @ head.T, selections, margins.worst


def main():
    args = sys.argv[1:]
    dense = "--dense" in args
    topk = 0
    if "--topk" in args:
        topk = int(args[args.index("--topk") + 1])
    d, ids = args[0], [int(v) for v in args[1].split(",")]
    logits, sel, worst = forward(d, ids, dense, topk)
    json.dump({"logits": logits.tolist(), "selections": sel, "min_margin": worst if worst != math.inf else None}, sys.stdout)


if __name__ == "__main__":
    main()
