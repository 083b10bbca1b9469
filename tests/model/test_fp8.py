#!/usr/bin/env python3
"""FP8 checkpoints as DeepSeek-V3.2 ships them: F8_E4M3 linear weights, each with an F32
`<name>_scale_inv` per block (config.json quantization_config.weight_block_size).

Independent of the engine: this script quantizes a random `tiny` checkpoint to FP8 itself
(nearest e4m3fn value to weight / scale, scale = block max / 448, blocks of 16 x 8 so that most
blocks are partial or many per tensor), and dequantizes it the way the format defines (e4m3
value x scale in float32, rounded to bf16 to nearest even) into a second, plain bf16 checkpoint.
The engine's logits on the FP8 checkpoint must equal its logits on the dequantized one exactly,
and must differ from the unquantized original (so the FP8 path is not silently ignored). A scale
tensor of the wrong shape, or a missing one, is a one-line error naming it.

usage: test_fp8.py ENVFORGE PYTHON_WITH_NUMPY"""
import json, os, shutil, struct, subprocess, sys, tempfile

envforge = sys.argv[1]
import numpy as np  # noqa: E402  (the meson test runs this with the interpreter that has numpy)

work = tempfile.mkdtemp(prefix="envforge-fp8-")
BLOCK = (16, 8)


def run(*args, ok=0):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != ok:
        sys.exit(f"FAIL: {' '.join(args)} -> {r.returncode}\n{r.stderr}")
    return r


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        out[name] = (t["dtype"], t["shape"], data[b:e])
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def bf16_to_f32(blob):
    return (np.frombuffer(blob, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(x):
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


# e4m3fn from its definition: bias 7, exponent 0 subnormal, S.1111.111 NaN, no infinities.
E4M3 = np.zeros(256, dtype=np.float64)
for byte in range(256):
    e, m = (byte >> 3) & 15, byte & 7
    v = (m / 8) * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
    E4M3[byte] = np.nan if (e == 15 and m == 7) else (-v if byte & 0x80 else v)
assert np.nanmax(E4M3) == 448.0 and E4M3[1] == 2.0 ** -9
FINITE = np.where(~np.isnan(E4M3))[0]


def quantize(w):
    rows, cols = w.shape
    br, bc = -(-rows // BLOCK[0]), -(-cols // BLOCK[1])
    scale = np.zeros((br, bc), dtype=np.float32)
    q = np.zeros(w.shape, dtype=np.uint8)
    for i in range(br):
        for j in range(bc):
            blk = w[i * BLOCK[0]:(i + 1) * BLOCK[0], j * BLOCK[1]:(j + 1) * BLOCK[1]]
            s = np.float32(max(np.abs(blk).max(), 1e-12) / 448.0)
            scale[i, j] = s
            x = (blk / s)[..., None]
            q[i * BLOCK[0]:(i + 1) * BLOCK[0], j * BLOCK[1]:(j + 1) * BLOCK[1]] = FINITE[np.abs(E4M3[FINITE] - x).argmin(-1)]
    return q, scale


def dequantize(q, scale):
    s = np.repeat(np.repeat(scale, BLOCK[0], 0), BLOCK[1], 1)[: q.shape[0], : q.shape[1]]
    return f32_to_bf16(E4M3[q].astype(np.float32) * s)


orig = os.path.join(work, "orig")
run(envforge, "model", "make-checkpoint", "--preset", "tiny", "--out", orig, "--seed", "11")
fp8, deq = os.path.join(work, "fp8"), os.path.join(work, "deq")
for d in (fp8, deq):
    shutil.copytree(orig, d)
cfg = json.load(open(os.path.join(orig, "config.json")))
cfg["quantization_config"] = {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic", "weight_block_size": list(BLOCK)}
json.dump(cfg, open(os.path.join(fp8, "config.json"), "w"))
quantized = 0
for fname in [f for f in os.listdir(orig) if f.endswith(".safetensors")]:
    tensors = read_safetensors(os.path.join(orig, fname))
    out_fp8, out_deq = {}, {}
    for name, (dtype, shape, blob) in tensors.items():
        # As in the release: linear weights in FP8; embeddings, the head, norms, the router in bf16.
        if dtype == "BF16" and len(shape) == 2 and not any(k in name for k in ("embed_tokens", "lm_head", "mlp.gate.weight")):
            q, scale = quantize(bf16_to_f32(blob).reshape(shape).astype(np.float64))
            out_fp8[name] = ("F8_E4M3", shape, q.tobytes())
            out_fp8[name + "_scale_inv"] = ("F32", list(scale.shape), scale.tobytes())
            out_deq[name] = ("BF16", shape, dequantize(q, scale).tobytes())
            quantized += 1
        else:
            out_fp8[name] = out_deq[name] = (dtype, shape, blob)
    write_safetensors(os.path.join(fp8, fname), out_fp8)
    write_safetensors(os.path.join(deq, fname), out_deq)
assert quantized >= 8, quantized

ids = "1,17,5,300,42,7,99,250,3,8,64,128"
logits = {d: json.loads(run(envforge, "model", "logits", d, "--ids", ids).stdout)["logits"] for d in (orig, fp8, deq)}
assert logits[fp8] == logits[deq], "FP8 checkpoint and its independent dequantization disagree"
assert logits[fp8] != logits[orig], "FP8 weights were not used"
info = run(envforge, "model", "info", fp8).stdout
print(f"test_fp8: {quantized} FP8 tensors in blocks of {BLOCK[0]}x{BLOCK[1]}; logits equal the independent dequantization")

# Broken scales are one-line errors naming the tensor.
name = next(n for n, (dt, _, _) in read_safetensors(os.path.join(fp8, "model.safetensors")).items() if dt == "F8_E4M3")
for mutate, needle in [(lambda t: t.pop(name + "_scale_inv"), f"'{name}' has no '{name}_scale_inv'"),
                       (lambda t: t.__setitem__(name + "_scale_inv", ("F32", [1, 1], b"\0\0\x80\x3f")), f"'{name}_scale_inv' is F32 [1, 1]")]:
    bad = os.path.join(work, "bad")
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(fp8, bad)
    t = read_safetensors(os.path.join(fp8, "model.safetensors"))
    mutate(t)
    write_safetensors(os.path.join(bad, "model.safetensors"), t)
    r = run(envforge, "model", "info", bad, ok=2)
    assert needle in r.stderr and r.stderr.count("\n") == 1, (needle, r.stderr)
shutil.rmtree(work)
print("test_fp8: missing and misshapen scales are one-line errors")
