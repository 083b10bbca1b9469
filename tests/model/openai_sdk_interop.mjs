// The official OpenAI SDK (npm `openai`) against `envforge serve`: model list, plain chat, a
// request with tools and a tool-call history, streaming with usage (the streamed deltas must add
// up to the non-streamed answer for the same seed), and an error surfaced as BadRequestError.
// usage: node openai_sdk_interop.mjs NPM_DIR BASE_URL
import path from "node:path";
import { createRequire } from "node:module";

const [npmDir, baseURL] = process.argv.slice(2);
const require = createRequire(path.join(npmDir, "package.json"));
const OpenAI = require("openai");
const client = new OpenAI({ baseURL, apiKey: "not-needed", maxRetries: 0 });
const fail = (msg) => { console.error("FAIL: " + msg); process.exit(1); };
const check = (cond, msg) => { if (!cond) fail(msg); };

const models = await client.models.list();
check(models.data.length === 1 && models.data[0].id === "envforge-dsa", "models.list: " + JSON.stringify(models.data));

const plain = await client.chat.completions.create({
  model: "envforge-dsa", messages: [{ role: "user", content: "Hello there" }], max_tokens: 8, temperature: 0, seed: 3,
});
const m = plain.choices[0].message;
check(m.role === "assistant", "plain: role " + m.role);
check(typeof m.reasoning_content === "string" && typeof m.content === "string", "plain: reasoning_content and content");
check(plain.usage.completion_tokens > 0 && plain.usage.completion_tokens <= 8, "plain: usage " + JSON.stringify(plain.usage));
check(["stop", "length", "tool_calls"].includes(plain.choices[0].finish_reason), "plain: finish_reason");

const tools = [{ type: "function", function: { name: "get_weather", description: "Weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
const withTools = await client.chat.completions.create({
  model: "envforge-dsa", tools, max_tokens: 6, temperature: 0,
  messages: [
    { role: "system", content: "You are a weather bot." },
    { role: "user", content: "Weather in Tokyo?" },
    { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "Sunny 22C" },
  ],
});
check(withTools.choices[0].message.role === "assistant", "tools: response");
check(withTools.usage.prompt_tokens > plain.usage.prompt_tokens + 100, "tools: the tools block is in the prompt (" + withTools.usage.prompt_tokens + " tokens)");

const stream = await client.chat.completions.create({
  model: "envforge-dsa", messages: [{ role: "user", content: "Hello there" }], max_tokens: 8, temperature: 0, seed: 3,
  stream: true, stream_options: { include_usage: true },
});
let reasoning = "", content = "", finish = null, usage = null, first = true;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  if (!chunk.choices.length) continue;
  const d = chunk.choices[0].delta;
  if (first) { check(d.role === "assistant", "stream: first delta has the role"); first = false; }
  reasoning += d.reasoning_content ?? "";
  content += d.content ?? "";
  if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
}
check(finish === plain.choices[0].finish_reason, "stream: finish_reason " + finish);
check(reasoning === m.reasoning_content && content === m.content, "stream: deltas add up to the non-streamed answer");
check(usage && usage.completion_tokens === plain.usage.completion_tokens, "stream: usage " + JSON.stringify(usage));

try {
  await client.chat.completions.create({ model: "envforge-dsa", messages: [] });
  fail("an empty messages array was accepted");
} catch (e) {
  check(e instanceof OpenAI.BadRequestError && e.status === 400, "error: " + e);
  check(String(e.message).includes("messages"), "error message: " + e.message);
}
console.log("openai SDK interop: models, chat, tools, streaming and errors ok");
