#!/usr/bin/env python3
"""The C++ tokenizer against the JavaScript reference (@huggingface/tokenizers, run by Node) on a
corpus of at least 200 KB — English prose, code, Chinese and other scripts, numbers, emoji, odd
whitespace, special tokens, invalid UTF-8: every id must be identical, and decode(encode(x)) must
give x back (with invalid UTF-8 replaced by U+FFFD, as the reference's TextDecoder does).

usage: test_tokenizer.py ENVFORGE SOURCE_ROOT NPM_DIR"""
import os, subprocess, sys, tempfile

envforge, root, npm = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
if not os.path.exists(os.path.join(npm, "node_modules", "@huggingface", "tokenizers")):
    sys.exit(f"FAIL: {npm}/node_modules is missing: run tools/install-deps (it installs the npm packages)")
work = tempfile.mkdtemp(prefix="envforge-tok-")
corpus = os.path.join(work, "corpus.bin")
summary = subprocess.run([sys.executable, os.path.join(here, "tokenizer_corpus.py"), root, corpus], check=True,
                         capture_output=True, text=True).stdout.strip()
size = os.path.getsize(corpus)
assert size >= 200_000, f"corpus is only {size} bytes"


def run(args):
    r = subprocess.run(args, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)}\n{r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


ours = run([envforge, "tokenize", "--docs", corpus]).split("\n")
ref = run(["node", os.path.join(here, "tokenizer_reference.mjs"), npm, corpus]).split("\n")
assert len(ours) == len(ref), f"{len(ours)} documents vs {len(ref)} from the reference"
n_ids = sum(len(line.split(",")) for line in ref if line)
for i, (a, b) in enumerate(zip(ours, ref)):
    if a != b:
        x, y = a.split(","), b.split(",")
        k = next((j for j in range(min(len(x), len(y))) if x[j] != y[j]), min(len(x), len(y)))
        sys.exit(f"FAIL: document {i}: first difference at id {k}: ours {x[max(0, k - 3):k + 4]} reference {y[max(0, k - 3):k + 4]}")
run([envforge, "tokenize", "--docs", corpus, "--roundtrip"])
# A few fixed points of the DeepSeek-V3.2 vocabulary (reference/deepseek-v32.md §5.3).
fixed = run([envforge, "tokenize", "<｜begin▁of▁sentence｜><｜end▁of▁sentence｜><｜User｜><｜Assistant｜><think></think>"]).strip()
assert fixed == "0,1,128803,128804,128798,128799", fixed
subprocess.run(["rm", "-rf", work])
print(f"test_tokenizer: {summary}; {n_ids} ids identical to the JavaScript reference; all round-trip")
