#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/): small valid inputs of
each format, so the fuzzers start from what real files look like. Run from anywhere:

    tests/fuzz/make_seeds.py [ENVFORGE]

With ENVFORGE (a built envforge), task seeds are exported from freshly synthesized tasks of every
kind; without it, the task seeds already in the corpus are kept."""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def sqlite_seed():
    """A small SQLite database (512-byte pages): typed, mixed and NULL columns, and a second table
    with a name that needs quoting."""
    import sqlite3
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seed.db")
        c = sqlite3.connect(path)
        c.execute("PRAGMA page_size=512")
        c.execute("CREATE TABLE t (d TEXT, n INTEGER, x REAL, s TEXT, m)")
        c.executemany("INSERT INTO t VALUES (?,?,?,?,?)",
                      [("2020-01-0%d" % i, i, i * 1.5, "ab"[i % 2], [1, "a", None][i % 3]) for i in range(1, 9)])
        c.execute('CREATE TABLE "we""ird" (a INTEGER)')
        c.execute('INSERT INTO "we""ird" VALUES (1)')
        c.commit()
        c.close()
        return open(path, "rb").read()


def seed(target, name, content):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode())


def byte_level_alphabet():
    """GPT-2's bytes_to_unicode: the printable bytes as themselves, the rest shifted past 255."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def tokenizer():
    chars = byte_level_alphabet()
    vocab = {c: i for i, c in enumerate(chars)}
    merges = [("H", "e"), ("He", "l"), ("Hel", "l"), ("Ġ", "w"), ("o", "r")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    return json.dumps({
        "version": "1.0",
        "added_tokens": [{"id": len(vocab), "content": "<｜begin▁of▁sentence｜>", "special": True},
                         {"id": len(vocab) + 1, "content": "<think>", "special": False}],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges[:3]] + [[a, b] for a, b in merges[3:]]},
    }, ensure_ascii=False)


def safetensors(tensors):
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def main():
    seed("json", "object.json", '{"a": [1, 2.5, -3e-7, true, null, "x\\u00e9\\ud83d\\ude00"], "b": {"c": 123456789012345678901234567890}}')
    seed("json", "array.json", '[[], {}, "", 0, -0.0, 1e308, "\\n\\t\\"\\\\"]')
    seed("json", "deep.json", "[" * 40 + "]" * 40)
    seed("config", "tiny.json", json.dumps({
        "architectures": ["DeepseekV32ForCausalLM"], "model_type": "deepseek_v32", "vocab_size": 1024, "hidden_size": 64,
        "intermediate_size": 128, "moe_intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 4, "q_lora_rank": 32, "kv_lora_rank": 32, "qk_nope_head_dim": 16, "qk_rope_head_dim": 8,
        "v_head_dim": 16, "n_routed_experts": 4, "n_shared_experts": 1, "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1,
        "first_k_dense_replace": 1, "moe_layer_freq": 1, "routed_scaling_factor": 2.5, "norm_topk_prob": True,
        "scoring_func": "sigmoid", "topk_method": "noaux_tc", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "max_position_embeddings": 4096, "index_n_heads": 4, "index_head_dim": 32, "index_topk": 64,
        "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024, "beta_fast": 32, "beta_slow": 1,
                         "mscale": 1.0, "mscale_all_dim": 1.0}}))
    seed("tokenizer", "byte_level_bpe.json", tokenizer())
    seed("safetensors", "two_tensors.safetensors",
         safetensors([("a.weight", "F32", [2, 3], struct.pack("<6f", *range(6))), ("b", "BF16", [4], b"\x80\x3f" * 4)]))
    seed("safetensors", "fp8.safetensors", safetensors([("w", "F8_E4M3", [2, 2], b"\x38\x40\xb8\x00"),
                                                        ("w_scale_inv", "F32", [1, 1], struct.pack("<f", 0.5))]))
    fixture = os.path.join(ROOT, "tests", "model", "data", "deepseek-v3.2", "test_output.txt")
    if os.path.exists(fixture):
        seed("completion", "golden_conversation.txt", open(fixture, encoding="utf-8").read()[-3000:])
    seed("completion", "tool_call.txt", "I will look.</think>\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"search\">\n"
         "<｜DSML｜parameter name=\"query\" string=\"true\">capital of France</｜DSML｜parameter>\n"
         "<｜DSML｜parameter name=\"k\" string=\"false\">5</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls><｜end▁of▁sentence｜>")
    seed("completion", "answer.txt", "Paris is the capital.</think>The answer is **Paris**.<｜end▁of▁sentence｜>")
    seed("openai_request", "tools.json", json.dumps({
        "model": "m", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"},
                                   {"role": "assistant", "content": None, "reasoning_content": "think",
                                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
                                   {"role": "tool", "tool_call_id": "c1", "content": "42"}],
        "tools": [{"type": "function", "function": {"name": "f", "description": "d",
                                                    "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}],
        "temperature": 0.5, "max_tokens": 16, "stream": False}))
    seed("openai_request", "plain.json", json.dumps({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}))
    frame = lambda pairs: b"".join(struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v for k, v in pairs)  # noqa: E731
    seed("session_frame", "reply.bin", frame([(b"id", b"7"), (b"stdout", b"hello\n"), (b"exit_code", b"0")]))
    seed("session_frame", "ready.bin", frame([(b"ready", b"1")]))
    seed("junit", "pytest.xml", '<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="3">'
         '<testcase classname="tests.test_a" name="test_ok" time="0.01"/>'
         '<testcase classname="tests.test_a" name="test_bad"><failure message="assert 1 == 2">trace &amp; more</failure></testcase>'
         '<testcase classname="tests.test_b" name="test_skip"><skipped message="no"/></testcase></testsuite></testsuites>')
    seed("junit", "unittest.xml", '<testsuite><testcase classname="pkg.Tests" name="test_x" status="error">'
         '<error message="boom &lt;b&gt;"/></testcase></testsuite>')
    seed("package", "env.json", open(os.path.join(ROOT, "datasets", "packages", "library", "env.json")).read())
    seed("relations", "relations.json", json.dumps({"relations": {
        "section": {"phrase": "the archive section of {subject}", "subject_type": "package", "object_type": "section", "answer": True},
        "maintainer": {"phrase": "the maintainer of {subject}", "subject_type": "package"}}}))
    docs = [{"id": "d1", "title": "Paris", "text": "Paris is the capital of France."},
            {"id": "d2", "title": "France", "text": "France is a country."}]
    facts = [{"subject": "France", "relation": "capital", "object": "Paris", "doc_id": "d1", "subject_type": "country"}]
    seed("corpus", "docs_and_facts.jsonl", "\n".join(map(json.dumps, docs)) + "\n---\n" + "\n".join(map(json.dumps, facts)) + "\n")
    # Tables for synth interp --data: the first byte picks .csv, .tsv, .json, .jsonl or .db.
    csv = ("date,precipitation,temp_max,weather,station\n" + "".join(
        f"2012-0{1 + i % 9}-1{i % 10},{i * 0.7 % 5:.1f},{10 + i * 1.3 % 17:.1f},{['rain', 'sun', 'fog'][i % 3]},{'' if i % 7 == 0 else 'S' + str(i)}\n"
        for i in range(30)))
    seed("table", "weather.csv", b"\x00" + csv.encode())
    seed("table", "weather.tsv", b"\x01" + csv.replace(",", "\t").encode())
    recs = [{"Species": ["Adelie", "Gentoo"][i % 2], "Mass": None if i % 5 == 0 else 3000 + 37 * i, "Beak": 30 + i * 0.3, "Name": f"p{i}",
             "Year": f"197{i % 10}-01-01"} for i in range(30)]
    seed("table", "penguins.json", b"\x02" + json.dumps(recs).encode())
    seed("table", "penguins.jsonl", b"\x03" + "\n".join(map(json.dumps, recs)).encode())
    seed("table", "sqlite-two-tables", b"\x04" + sqlite_seed())
    if len(sys.argv) > 1:
        with tempfile.TemporaryDirectory() as tmp:
            for kind, extra in (("general", ["--count", "3"]), ("search", ["--count", "1"]), ("interp", ["--count", "2"]),
                                ("code", ["--count", "1"])):
                db, out = os.path.join(tmp, kind + ".db"), os.path.join(tmp, kind + ".jsonl")
                subprocess.run([sys.argv[1], "synth", kind, *extra, "--db", db], check=True, capture_output=True)
                subprocess.run([sys.argv[1], "export", "--db", db, "--format", "tasks", "-o", out], check=True, capture_output=True)
                for i, line in enumerate(open(out)):
                    seed("task", f"{kind}-{i}.json", line.strip())


main()
