// envforge viewer: a static page over the data files `envforge view` writes. Every value from the
// store is untrusted (agent text, tool output, file names): it reaches the page only as text
// nodes or through encodeURIComponent in links this script builds; nothing is parsed as HTML.
// Data files are scripts (data/NAME.js calling EF.put), because browsers refuse fetch() on
// file:// pages; they load on demand.
"use strict";

const EF = (window.EF = { data: Object.create(null), waiting: Object.create(null) });
EF.put = (name, value) => {
  EF.data[name] = value;
  (EF.waiting[name] || []).forEach((f) => f(value));
  delete EF.waiting[name];
};

function load(name) {
  if (!/^[a-z0-9-]+$/.test(name)) return Promise.reject(new Error("bad data name"));
  if (name in EF.data) return Promise.resolve(EF.data[name]);
  return new Promise((resolve, reject) => {
    const first = !EF.waiting[name];
    (EF.waiting[name] = EF.waiting[name] || []).push(resolve);
    if (!first) return;
    const s = document.createElement("script");
    s.src = "data/" + name + ".js";
    s.onerror = () => reject(new Error("cannot load data/" + name + ".js"));
    document.head.appendChild(s);
  });
}

// el("td", {class: "x"}, "text", child, ...): strings become text nodes, never markup.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "href" && !String(v).startsWith("#/")) continue;  // only links this script builds
    if (k === "onclick") e.addEventListener("click", v);
    else if (k === "style") e.style.cssText = v;  // CSSOM: allowed under style-src without inline styles
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}
const link = (parts, text, query) =>
  el("a", { href: "#/" + parts.map(encodeURIComponent).join("/") + (query ? "?" + new URLSearchParams(query) : "") }, text);
const pct = (x) => (x === null || x === undefined || isNaN(x) ? "–" : (100 * x).toFixed(1) + "%");
const main = () => document.getElementById("main");
function show(...nodes) {
  main().replaceChildren(...nodes.flat());
}

// Episode rows: [id, run, task, rollout, status, reward, passed, turns, tool_calls, prompt_tokens,
// completion_tokens, seconds, error, final_answer, detail_chunk] with run and task as indexes.
const COL = { id: 0, run: 1, task: 2, rollout: 3, status: 4, reward: 5, passed: 6, turns: 7, calls: 8, ptok: 9, ctok: 10, secs: 11, error: 12, answer: 13, chunk: 14 };
const INFRA = new Set(["policy_error", "env_error"]);
let S = null;      // summary
let ROWS = null;   // every episode row
let TASKS = null;  // [id, kind, difficulty, generator, prompt head, task chunk]
let BYID = null;
let LIST = [];     // ids of the episode list last shown, for j/k

async function loadAll() {
  S = await load("summary");
  TASKS = await load("tasks");
  const parts = await Promise.all(Array.from({ length: S.episode_chunks }, (_, i) => load("episodes-" + i)));
  ROWS = parts.flat();
  BYID = new Map(ROWS.map((r) => [r[COL.id], r]));
}

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query || "");
  try {
    if (parts[0] === "episodes") return viewEpisodes(q);
    if (parts[0] === "episode") return viewEpisode(Number(parts[1]), Number(q.get("turn") || -1));
    if (parts[0] === "group") return viewGroup(parts[1], parts[2]);
    if (parts[0] === "compare") return viewCompare(parts[1], parts[2]);
    if (parts[0] === "search") return deepSearch(null, q.get("q") || "");
    return viewOverview();
  } catch (e) {
    show(el("p", { class: "fail" }, "viewer error: " + e.message));
  }
}

function histogram(title, values) {
  const max = Math.max(1, ...values);
  const buckets = new Map();
  const step = Math.max(1, Math.ceil(max / 12));
  for (const v of values) buckets.set(Math.floor(v / step), (buckets.get(Math.floor(v / step)) || 0) + 1);
  const top = Math.max(1, ...buckets.values());
  const rows = [...buckets.keys()].sort((a, b) => a - b).map((b) =>
    el("tr", {}, el("td", {}, `${b * step}–${b * step + step - 1}`), el("td", {}, el("span", { class: "bar", style: `width:${(200 * buckets.get(b)) / top}px` })), el("td", {}, buckets.get(b))));
  return el("div", { class: "card" }, el("h2", {}, title), el("table", {}, rows));
}

function viewOverview() {
  const runRows = S.runs.map((r, i) =>
    el("tr", {},
      el("td", {}, link(["episodes"], r.name, { run: i })), el("td", {}, r.policy), el("td", {}, r.episodes),
      el("td", {}, r.passed), el("td", {}, pct(r.episodes ? r.passed / r.episodes : NaN)),
      el("td", { class: r.infra ? "infra" : "" }, r.infra), el("td", {}, r.tasks), el("td", {}, r.rollouts)));
  const charts = S.runs.map((r) =>
    el("div", { class: "card" }, el("h2", {}, `${r.name}: pass rate by difficulty`),
      el("table", {}, el("tr", {}, el("th", {}, "kind"), el("th", {}, "difficulty"), el("th", {}, "pass rate"), el("th", {}, "pass@" + r.rollouts), el("th", {}, "")),
        r.cells.map((c) => el("tr", {}, el("td", {}, c.kind), el("td", {}, c.difficulty), el("td", {}, pct(c.passed / c.episodes)),
          el("td", {}, pct(c.tasks_solved / c.tasks)), el("td", {}, el("span", { class: "bar pass", style: `width:${Math.round(150 * c.passed / c.episodes)}px` })))))));
  const probes = Object.entries(S.validations).map(([p, v]) =>
    el("tr", {}, el("td", {}, p), el("td", {}, v.total), el("td", { class: v.ok === v.total ? "pass" : "fail" }, v.ok)));
  const compare = S.runs.length > 1 ? el("p", {}, "Compare: ", link(["compare", S.runs[0].name, S.runs[1].name], `${S.runs[0].name} vs ${S.runs[1].name}`)) : "";
  show(el("h1", {}, `${S.store}: ${ROWS.length} episodes over ${TASKS.length} tasks`),
    el("table", {}, el("tr", {}, ["run", "policy", "episodes", "passed", "pass rate", "infrastructure failures", "tasks", "rollouts"].map((h) => el("th", {}, h))), runRows),
    compare, el("div", { class: "grid" }, charts),
    el("div", { class: "grid" }, histogram("turns per episode", ROWS.map((r) => r[COL.turns])), histogram("tool calls per episode", ROWS.map((r) => r[COL.calls])),
      histogram("tokens per episode", ROWS.map((r) => r[COL.ptok] + r[COL.ctok]))),
    el("h2", {}, "Validation per probe"),
    probes.length ? el("table", {}, el("tr", {}, el("th", {}, "probe"), el("th", {}, "tasks"), el("th", {}, "as expected")), probes) : el("p", { class: "muted" }, "no validations in this store"));
}

function matches(r, q) {
  const t = TASKS[r[COL.task]];
  const hay = (t[4] + " " + r[COL.answer] + " " + r[COL.error] + " " + t[0] + " " + t[3]).toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

function viewEpisodes(q) {
  const f = Object.fromEntries(["run", "kind", "difficulty", "status", "passed", "q", "sort", "page"].map((k) => [k, q.get(k) || ""]));
  document.getElementById("search").value = f.q;
  let rows = ROWS.filter((r) => {
    const t = TASKS[r[COL.task]];
    return (f.run === "" || String(r[COL.run]) === f.run) && (f.kind === "" || t[1] === f.kind) && (f.difficulty === "" || String(t[2]) === f.difficulty) &&
      (f.status === "" || r[COL.status] === f.status) && (f.passed === "" || String(r[COL.passed]) === f.passed) && (f.q === "" || matches(r, f.q));
  });
  const keys = { reward: COL.reward, turns: COL.turns, tokens: -1, seconds: COL.secs, id: COL.id };
  if (f.sort) {
    const desc = f.sort.startsWith("-"), k = keys[f.sort.replace(/^-/, "")];
    const val = (r) => (k === -1 ? r[COL.ptok] + r[COL.ctok] : r[k]);
    if (k !== undefined) rows = rows.slice().sort((a, b) => (desc ? val(b) - val(a) : val(a) - val(b)));
  }
  LIST = rows.map((r) => r[COL.id]);
  const per = 200, page = Math.max(0, Number(f.page) || 0), pages = Math.max(1, Math.ceil(rows.length / per));
  const go = (patch) => { const n = { ...f, ...patch }; for (const k of Object.keys(n)) if (n[k] === "") delete n[k]; location.hash = "#/episodes?" + new URLSearchParams(n); };
  const select = (name, options) => el("select", { "aria-label": name }, el("option", { value: "" }, "any " + name),
    options.map(([v, label]) => { const o = el("option", { value: v }, label); if (String(v) === f[name]) o.selected = true; return o; }));
  const kinds = [...new Set(TASKS.map((t) => t[1]))].sort(), statuses = [...new Set(ROWS.map((r) => r[COL.status]))].sort();
  const filters = el("div", { class: "filters" },
    select("run", S.runs.map((r, i) => [i, r.name])), select("kind", kinds.map((k) => [k, k])), select("difficulty", [1, 2, 3, 4, 5].map((d) => [d, "difficulty " + d])),
    select("status", statuses.map((s) => [s, s])), select("passed", [[1, "passed"], [0, "failed"]]),
    el("span", { class: "muted" }, `${rows.length} episodes`), el("span", { class: "muted" }, "keys: ", el("kbd", {}, "j"), " ", el("kbd", {}, "k"), " ", el("kbd", {}, "/")));
  filters.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => go({ [s.getAttribute("aria-label")]: s.value, page: "" })));
  const head = ["id", "run", "kind", "difficulty", "rollout", "status", "reward", "turns", "tokens", "seconds", "task"].map((h) =>
    keys[h] !== undefined ? el("th", { class: "sortable", onclick: () => go({ sort: f.sort === "-" + h ? h : "-" + h }) }, h + (f.sort.replace(/^-/, "") === h ? (f.sort.startsWith("-") ? " ▼" : " ▲") : "")) : el("th", {}, h));
  const body = rows.slice(page * per, page * per + per).map((r) => {
    const t = TASKS[r[COL.task]];
    const cls = INFRA.has(r[COL.status]) ? "infra" : r[COL.passed] ? "pass" : "fail";
    return el("tr", { class: "row", onclick: () => (location.hash = "#/episode/" + r[COL.id]) },
      el("td", {}, link(["episode", String(r[COL.id])], r[COL.id])), el("td", {}, S.runs[r[COL.run]].name), el("td", {}, t[1]), el("td", {}, t[2]),
      el("td", {}, r[COL.rollout]), el("td", { class: cls }, r[COL.status]), el("td", { class: cls }, r[COL.reward].toFixed(2)), el("td", {}, r[COL.turns]),
      el("td", {}, r[COL.ptok] + r[COL.ctok]), el("td", {}, r[COL.secs].toFixed(1)), el("td", { class: "muted" }, t[4].slice(0, 90)));
  });
  const deep = f.q ? el("p", {}, link(["search"], "search the transcripts too", { q: f.q })) : "";
  const pager = el("div", { class: "pager" }, el("button", { onclick: () => go({ page: String(page - 1) }), disabled: page === 0 }, "previous"),
    `page ${page + 1} of ${pages}`, el("button", { onclick: () => go({ page: String(page + 1) }), disabled: page + 1 >= pages }, "next"));
  show(el("h1", {}, "Episodes"), filters, deep, el("table", {}, el("tr", {}, head), body), pager);
}

// Tool outputs, contents and arguments are in the transcript files: searching them loads every
// file of the episodes shown (100 episodes a file), with progress.
async function deepSearch(_, q) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const status = el("p", { class: "muted" }, "searching…");
  const list = el("table", {});
  show(el("h1", {}, `Transcripts holding "${q}"`), status, list);
  const chunks = [...new Set(ROWS.map((r) => r[COL.chunk]))];
  let found = 0;
  for (let i = 0; i < chunks.length; ++i) {
    const detail = await load("detail-" + chunks[i]);
    for (const [id, d] of Object.entries(detail)) {
      const text = d.messages.map((m) => (m.content || "") + " " + (m.reasoning || "") + " " + JSON.stringify(m.tool_calls || [])).join(" ").toLowerCase();
      if (!words.every((w) => text.includes(w))) continue;
      const r = BYID.get(Number(id));
      if (++found <= 500) list.append(el("tr", { class: "row", onclick: () => (location.hash = "#/episode/" + id) }, el("td", {}, link(["episode", id], id)),
        el("td", {}, S.runs[r[COL.run]].name), el("td", {}, TASKS[r[COL.task]][1]), el("td", { class: r[COL.passed] ? "pass" : "fail" }, r[COL.status])));
    }
    status.textContent = `${found} episodes found in ${i + 1} of ${chunks.length} transcript files` + (found > 500 ? " (first 500 shown)" : "");
  }
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
}

// A tool call's arguments: multi-line strings (code, commands, file contents) as they read,
// the rest as JSON.
function callArgs(text) {
  let args;
  try { args = JSON.parse(text); } catch (e) { return el("pre", {}, String(text)); }
  if (!args || typeof args !== "object" || Array.isArray(args)) return el("pre", {}, pretty(text));
  const long = Object.entries(args).filter(([, v]) => typeof v === "string" && v.includes("\n"));
  const rest = Object.fromEntries(Object.entries(args).filter(([, v]) => !(typeof v === "string" && v.includes("\n"))));
  return el("div", {}, Object.keys(rest).length ? el("pre", {}, JSON.stringify(rest, null, 2)) : "",
    long.map(([k, v]) => el("div", {}, el("span", { class: "muted" }, k + ":"), el("pre", {}, v))));
}

function diffView(text) {
  return el("pre", { class: "diff" }, String(text).split("\n").map((l) =>
    el("span", { class: l.startsWith("@@") ? "hunk" : l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : "" }, l + "\n")));
}

function folded(label, text, open) {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes <= 2000 && open !== false) return el("pre", {}, text);
  return el("details", {}, el("summary", {}, `${label} (${bytes.toLocaleString()} bytes)`), el("pre", {}, text));
}

function message(m, i, turn) {
  const role = m.role + (m.role === "tool" ? " · " + (m.name || "") + (m.is_error ? " · error" : "") : "");
  return el("div", { class: `msg ${m.role}${m.is_error ? " error" : ""}`, id: "m" + i },
    el("div", {}, el("span", { class: "role" }, role), " ", el("span", { class: "muted" }, m.role === "assistant" ? `turn ${turn}` : "")),
    m.reasoning ? el("details", {}, el("summary", {}, "reasoning"), el("pre", {}, m.reasoning)) : "",
    m.content ? (m.role === "tool" ? folded("tool output", m.content) : el("pre", {}, m.content)) : "",
    (m.tool_calls || []).map((c) => el("div", {}, el("span", { class: "muted" }, "→ " + (c.function ? c.function.name : c.name)), callArgs(c.function ? c.function.arguments : c.arguments))));
}

async function viewEpisode(id, turn) {
  const r = BYID.get(id);
  if (!r) return show(el("p", { class: "fail" }, `episode ${id} is not in this viewer`));
  const t = TASKS[r[COL.task]];
  const [detail, tasks] = await Promise.all([load("detail-" + r[COL.chunk]), load("task-" + t[5])]);
  const d = detail[id], task = tasks[t[0]];
  let n = 0;
  const msgs = d.messages.map((m, i) => message(m, i, m.role === "assistant" ? ++n : n));
  const idx = LIST.indexOf(id);
  const nav = el("p", {}, idx > 0 ? link(["episode", String(LIST[idx - 1])], "← previous") : "", " ",
    idx >= 0 && idx + 1 < LIST.length ? link(["episode", String(LIST[idx + 1])], "next →") : "", " ",
    link(["group", S.runs[r[COL.run]].name, t[0]], "all rollouts of this task in this run"));
  const cls = INFRA.has(r[COL.status]) ? "infra" : r[COL.passed] ? "pass" : "fail";
  const gold = task.patch ? el("div", {}, el("h2", {}, "Agent's diff and the real fix"), el("div", { class: "sidebyside" },
    el("div", {}, el("div", { class: "muted" }, "agent"), d.diff ? diffView(d.diff) : el("p", { class: "muted" }, "no diff recorded")),
    el("div", {}, el("div", { class: "muted" }, "gold"), diffView(task.patch)))) : "";
  // Search: the documents the agent opened, beside the gold one.
  const opened = d.messages.flatMap((m) => (m.tool_calls || []).map((c) => c.function || c).filter((c) => c.name === "open")
    .map((c) => { try { return JSON.parse(c.arguments).doc_id; } catch (e) { return String(c.arguments); } }));
  const g = task.gold || {};
  const docs = g.answer_doc ? el("div", {}, el("h2", {}, "Documents"), el("p", {}, "opened: ",
    opened.length ? opened.map((x, i) => el("code", { class: x === g.answer_doc ? "pass" : "" }, (i ? ", " : "") + x)) : el("span", { class: "muted" }, "none"),
    " · gold: ", el("code", {}, g.answer_doc))) : "";
  const checks = ((d.verdict || {}).details || {}).checks || [];
  const checkTable = checks.length ? el("table", {}, el("tr", {}, el("th", {}, "check"), el("th", {}, ""), el("th", {}, "why")),
    checks.map((c) => el("tr", {}, el("td", {}, c.check || c.name || ""), el("td", { class: c.ok ? "pass" : "fail" }, c.ok ? "ok" : "failed"), el("td", {}, c.why || "")))) : "";
  show(el("h1", {}, `Episode ${id} `, el("span", { class: cls }, `${r[COL.status]} · reward ${r[COL.reward].toFixed(3)}`)), nav,
    el("p", { class: "muted" }, `run ${S.runs[r[COL.run]].name} · ${t[1]} · difficulty ${t[2]} · ${t[3]} · rollout ${r[COL.rollout]} · ${r[COL.turns]} turns · ${r[COL.calls]} tool calls · ${r[COL.ptok]}+${r[COL.ctok]} tokens · ${r[COL.secs].toFixed(2)} s`),
    r[COL.error] ? el("pre", { class: "fail" }, r[COL.error]) : "",
    el("h2", {}, "Task ", el("span", { class: "muted" }, t[0])),
    el("details", {}, el("summary", {}, "system prompt"), el("pre", {}, task.system || "")),
    el("pre", {}, task.prompt || ""),
    el("details", {}, el("summary", {}, `tools (${(task.tools || []).length})`), (task.tools || []).map((x) => el("div", {}, el("b", {}, x.name), " ", x.description || "", el("pre", {}, JSON.stringify(x.parameters, null, 2))))),
    el("h2", {}, "Transcript"), msgs,
    el("h2", {}, "Verdict"), checkTable,
    el("p", {}, "final answer: ", el("code", {}, JSON.stringify(d.final_answer)), g.answer !== undefined ? el("span", { class: "muted" }, " · gold: " + JSON.stringify(g.answer)) : ""),
    el("details", {}, el("summary", {}, "verdict as stored"), el("pre", {}, JSON.stringify(d.verdict, null, 2))), docs, gold);
  if (turn >= 0) {
    const target = main().querySelectorAll(".msg.assistant")[turn - 1];
    if (target) {
      target.classList.add("focus");  // the turn the link names, marked where it scrolled to
      target.scrollIntoView();
    }
  }
}

function viewGroup(runName, taskId) {
  const run = S.runs.findIndex((r) => r.name === runName);
  const rows = ROWS.filter((r) => r[COL.run] === run && TASKS[r[COL.task]][0] === taskId).sort((a, b) => a[COL.rollout] - b[COL.rollout]);
  const rewards = rows.map((r) => r[COL.reward]);
  const mean = rewards.reduce((a, b) => a + b, 0) / Math.max(1, rewards.length);
  const sd = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, rewards.length));
  LIST = rows.map((r) => r[COL.id]);
  show(el("h1", {}, `Group: ${rows.length} rollouts of task ${taskId} in run ${runName}`),
    el("p", { class: "muted" }, `mean reward ${mean.toFixed(3)}, standard deviation ${sd.toFixed(3)}; advantage = (reward − mean) / std, as GRPO computes it`),
    el("table", {}, el("tr", {}, ["rollout", "episode", "status", "reward", "advantage", "turns", "tool calls", "final answer"].map((h) => el("th", {}, h))),
      rows.map((r) => el("tr", { class: "row", onclick: () => (location.hash = "#/episode/" + r[COL.id]) }, el("td", {}, r[COL.rollout]), el("td", {}, link(["episode", String(r[COL.id])], r[COL.id])),
        el("td", { class: r[COL.passed] ? "pass" : "fail" }, r[COL.status]), el("td", {}, r[COL.reward].toFixed(3)), el("td", {}, sd > 0 ? ((r[COL.reward] - mean) / sd).toFixed(2) : "0"),
        el("td", {}, r[COL.turns]), el("td", {}, r[COL.calls]), el("td", {}, r[COL.answer].slice(0, 80))))));
}

function viewCompare(a, b) {
  const ia = S.runs.findIndex((r) => r.name === a), ib = S.runs.findIndex((r) => r.name === b);
  const rate = (run) => {
    const m = new Map();
    for (const r of ROWS) if (r[COL.run] === run) { const x = m.get(r[COL.task]) || [0, 0]; x[0] += r[COL.passed]; x[1] += 1; m.set(r[COL.task], x); }
    return m;
  };
  const ra = rate(ia), rb = rate(ib);
  const both = [...ra.keys()].filter((t) => rb.has(t));
  const flipped = both.filter((t) => (ra.get(t)[0] > 0) !== (rb.get(t)[0] > 0));
  show(el("h1", {}, `${a} vs ${b}: ${both.length} tasks in both, ${flipped.length} flipped`),
    el("table", {}, el("tr", {}, ["task", "kind", "difficulty", `${a} passed`, `${b} passed`, ""].map((h) => el("th", {}, h))),
      flipped.map((t) => el("tr", {}, el("td", {}, TASKS[t][0]), el("td", {}, TASKS[t][1]), el("td", {}, TASKS[t][2]),
        el("td", {}, `${ra.get(t)[0]}/${ra.get(t)[1]}`), el("td", {}, `${rb.get(t)[0]}/${rb.get(t)[1]}`),
        el("td", {}, link(["group", a, TASKS[t][0]], a), " ", link(["group", b, TASKS[t][0]], b))))));
}

document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) {
    if (e.key === "Escape") e.target.blur();
    return;
  }
  if (e.key === "/") { e.preventDefault(); document.getElementById("search").focus(); return; }
  if (e.key !== "j" && e.key !== "k") return;
  const m = location.hash.match(/^#\/episode\/(\d+)/);
  if (!LIST.length) LIST = ROWS.map((r) => r[COL.id]);
  const i = m ? LIST.indexOf(Number(m[1])) : -1;
  const next = LIST[Math.min(LIST.length - 1, Math.max(0, i + (e.key === "j" ? 1 : -1)))];
  if (next !== undefined) location.hash = "#/episode/" + next;
});

loadAll().then(() => {
  const search = document.getElementById("search");
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") location.hash = "#/episodes?" + new URLSearchParams(search.value ? { q: search.value } : {});
  });
  window.addEventListener("hashchange", route);
  route();
  document.documentElement.setAttribute("data-ready", "1");
}).catch((e) => show(el("p", { class: "fail" }, "cannot load the data: " + e.message)));
