#include "datasets/store.hpp"

#include <cstdio>
#include <cstring>

#include <sqlite3.h>

#include "common/errors.hpp"

namespace envforge {

namespace {

// Forward migrations: kMigrations[i] moves user_version i to i+1. Never edit a released entry;
// append a new one. Why this shape:
// - The version lives in SQLite's own header field (PRAGMA user_version), so a store carries it
//   with no table of ours to read first, and sqlite3 users can see it.
// - All pending steps run in one write transaction (migrate()): a store is at one version or
//   the next, never half-way, even when the process is killed mid-migration.
// - Steps only add (tables, nullable columns, indexes). An older envforge refuses a newer store
//   instead of guessing; a newer one upgrades an older store the first time it opens it for
//   writing, and read-only opens (export, stats) refuse an old one with the command to fix it.
// - Keys stay the resume contract: an episode is (run, task, rollout), a validation is (task,
//   probe). Retries replace a row under its key; nothing else ever rewrites stored data.
const char* const kMigrations[] = {
    R"SQL(
CREATE TABLE tasks(
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  seed        INTEGER NOT NULL,
  difficulty  INTEGER NOT NULL,
  generator   TEXT NOT NULL,
  json        TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX tasks_kind ON tasks(kind);
CREATE TABLE runs(
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  policy          TEXT NOT NULL,
  context_policy  TEXT NOT NULL,
  config          TEXT NOT NULL,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE episodes(
  id                 INTEGER PRIMARY KEY,
  run_id             INTEGER NOT NULL REFERENCES runs(id),
  task_id            TEXT NOT NULL REFERENCES tasks(id),
  rollout            INTEGER NOT NULL,
  status             TEXT NOT NULL,
  reward             REAL NOT NULL,
  passed             INTEGER NOT NULL,
  verdict            TEXT NOT NULL,
  final_answer       TEXT,
  turns              INTEGER NOT NULL,
  tool_calls         INTEGER NOT NULL,
  prompt_tokens      INTEGER NOT NULL,
  completion_tokens  INTEGER NOT NULL,
  seconds            REAL NOT NULL,
  error              TEXT,
  finished_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE(run_id, task_id, rollout)
);
CREATE INDEX episodes_task ON episodes(task_id);
CREATE TABLE messages(
  episode_id      INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
  idx             INTEGER NOT NULL,
  role            TEXT NOT NULL,
  content         TEXT,
  reasoning       TEXT,
  tool_calls      TEXT,
  tool_call_id    TEXT,
  name            TEXT,
  is_error        INTEGER NOT NULL DEFAULT 0,
  prompt_ids      BLOB,
  completion_ids  BLOB,
  PRIMARY KEY(episode_id, idx)
) WITHOUT ROWID;
CREATE TABLE validations(
  task_id       TEXT NOT NULL REFERENCES tasks(id),
  probe         TEXT NOT NULL,
  expect_pass   INTEGER NOT NULL,
  passed        INTEGER NOT NULL,
  reward        REAL NOT NULL,
  ok            INTEGER NOT NULL,
  details       TEXT NOT NULL,
  validated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY(task_id, probe)
);
)SQL",
    // v2: the raw request and response of a model call, kept with the assistant message for audit.
    R"SQL(
ALTER TABLE messages ADD COLUMN raw TEXT;
)SQL",
    // v3: the model calls made while synthesizing tasks (`synth --llm`), kept or not: what the
    // model was asked, what it answered, and why the task was kept or dropped.
    R"SQL(
CREATE TABLE synthesis_calls(
  id          INTEGER PRIMARY KEY,
  source_task TEXT NOT NULL,
  stage       TEXT NOT NULL,
  task_id     TEXT,
  accepted    INTEGER NOT NULL,
  reason      TEXT,
  raw         TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX synthesis_calls_source ON synthesis_calls(source_task);
)SQL",
    // v4: what `synth code --history` decided about each candidate commit (a task, or why not),
    // so a rerun with the same options skips the commits already decided.
    R"SQL(
CREATE TABLE history_decisions(
  repo          TEXT NOT NULL,
  options_key   TEXT NOT NULL,
  commit_hash   TEXT NOT NULL,
  reason        TEXT NOT NULL,
  detail        TEXT,
  task_id       TEXT,
  seconds       REAL NOT NULL,
  suite_seconds REAL NOT NULL,
  decided_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (repo, options_key, commit_hash)
);
)SQL",
};
constexpr int kMigrationCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kMigrationCount == kStoreSchemaVersion);

}  // namespace

std::string pack_ids(const std::vector<int32_t>& ids) {
    std::string s(ids.size() * 4, '\0');
    for (size_t i = 0; i < ids.size(); ++i) {
        auto v = static_cast<uint32_t>(ids[i]);
        for (int b = 0; b < 4; ++b) s[4 * i + static_cast<size_t>(b)] = static_cast<char>(v >> (8 * b));
    }
    return s;
}

std::vector<int32_t> unpack_ids(const std::string& blob) {
    std::vector<int32_t> ids(blob.size() / 4);
    for (size_t i = 0; i < ids.size(); ++i) {
        uint32_t v = 0;
        for (int b = 0; b < 4; ++b) v |= uint32_t(static_cast<unsigned char>(blob[4 * i + static_cast<size_t>(b)])) << (8 * b);
        ids[i] = static_cast<int32_t>(v);
    }
    return ids;
}

Store::Store(const std::string& path, bool read_only) {
    db_ = std::make_unique<SqliteDb>(path, read_only, true);
    sqlite3_busy_timeout(db_->raw(), 5000);
    {
        // Reading the schema fails on a file that is not a database, before anything is written.
        {
            SqliteStmt probe(*db_, "SELECT count(*) FROM sqlite_master");
            probe.step();
        }
        if (!read_only) {
            db_->exec("PRAGMA journal_mode=WAL");
            db_->exec("PRAGMA synchronous=NORMAL");
        }
        db_->exec("PRAGMA foreign_keys=ON");
        // Readers (export, replay, stats) read every page once: map the file instead of copying
        // each page through read(2).
        if (read_only) db_->exec("PRAGMA mmap_size=1073741824");
        if (!read_only) migrate();
        else {
            SqliteStmt v(*db_, "PRAGMA user_version");
            v.step();
            if (v.int64(0) != kStoreSchemaVersion)
                throw IoError("database '" + path + "': schema version " + std::to_string(v.int64(0)) + ", expected " +
                              std::to_string(kStoreSchemaVersion) + " (open it once for writing)");
        }
    }
}

Store::~Store() {
    try {
        flush();
    } catch (const std::exception& e) {
        // A destructor cannot throw: the failure is said, with what was lost, unless the
        // caller already heard of it from an explicit flush.
        if (!flush_failed_) std::fprintf(stderr, "envforge: store: the last batch was not written: %s\n", e.what());
    }
}

void Store::migrate() {
    SqliteStmt v(*db_, "PRAGMA user_version");
    v.step();
    int64_t version = v.int64(0);
    v.reset();
    if (version > kStoreSchemaVersion)
        throw IoError("database '" + db_->path() + "': schema version " + std::to_string(version) +
                      " is newer than this envforge understands (" + std::to_string(kStoreSchemaVersion) + ")");
    if (version == kStoreSchemaVersion) return;
    // BEGIN IMMEDIATE (SqliteTransaction) takes the write lock before the version is read again,
    // so two processes opening an old store at once migrate it once.
    SqliteTransaction tx(*db_);
    {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        SqliteStmt again(*db_, "PRAGMA user_version");
        again.step();
        version = again.int64(0);
    }
    for (int64_t i = version; i < kStoreSchemaVersion; ++i) db_->exec(kMigrations[i]);
    db_->exec("PRAGMA user_version=" + std::to_string(kStoreSchemaVersion));
    tx.commit();
}

size_t Store::add_tasks(const std::vector<Task>& tasks) {
    size_t added = 0;
    SqliteTransaction tx(*db_);
    SqliteStmt ins(*db_,
                   "INSERT OR IGNORE INTO tasks(id,kind,seed,difficulty,generator,json) "
                   "VALUES(?,?,?,?,?,?)");
    for (const auto& t : tasks) {
        ins.bind(1, t.id).bind(2, t.kind).bind(3, static_cast<int64_t>(t.seed));
        ins.bind(4, t.difficulty).bind(5, t.generator_name + "@" + t.generator_version);
        ins.bind(6, t.dump());
        ins.run();
        added += static_cast<size_t>(db_->changes());
    }
    tx.commit();
    return added;
}

std::vector<Task> Store::load_tasks(const TaskFilter& f) const {
    SqliteStmt q(*db_,
                 std::string("SELECT json FROM tasks WHERE (?1 = '' OR kind = ?1) ORDER BY ") + (f.by_id ? "id" : "rowid") + " LIMIT ?2");
    q.bind(1, f.kind).bind(2, f.limit);
    std::vector<Task> out;
    while (q.step()) {
        std::string text = q.text(0);
        try {
            out.push_back(Task::parse(text));
        } catch (const InvalidInput& e) {
            throw InvalidInput("database '" + db_->path() + "': stored " + e.what());
        }
    }
    return out;
}

std::optional<Task> Store::load_task(const std::string& id) const {
    SqliteStmt q(*db_, "SELECT json FROM tasks WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return Task::parse(q.text(0));
}

int64_t Store::count_tasks(const std::string& kind) const {
    SqliteStmt q(*db_, "SELECT count(*) FROM tasks WHERE (?1 = '' OR kind = ?1)");
    q.bind(1, kind);
    q.step();
    return q.int64(0);
}

int64_t Store::ensure_run(const std::string& name, const std::string& policy, const std::string& context_policy, const Json& config) {
    if (auto r = find_run(name)) return r->id;
    SqliteStmt ins(*db_, "INSERT INTO runs(name,policy,context_policy,config) VALUES(?,?,?,?)");
    ins.bind(1, name).bind(2, policy).bind(3, context_policy).bind(4, config.dump());
    ins.run();
    return db_->last_insert_rowid();
}

static RunInfo read_run(const SqliteStmt& q) {
    RunInfo r;
    r.id = q.int64(0);
    r.name = q.text(1);
    r.policy = q.text(2);
    r.context_policy = q.text(3);
    r.config = Json::parse(q.text(4), "run config");
    r.created_at = q.text(5);
    return r;
}

std::optional<RunInfo> Store::find_run(const std::string& name) const {
    SqliteStmt q(*db_, "SELECT id,name,policy,context_policy,config,created_at FROM runs WHERE name=?");
    q.bind(1, name);
    if (!q.step()) return std::nullopt;
    return read_run(q);
}

std::vector<RunInfo> Store::runs() const {
    SqliteStmt q(*db_, "SELECT id,name,policy,context_policy,config,created_at FROM runs ORDER BY id");
    std::vector<RunInfo> out;
    while (q.step()) out.push_back(read_run(q));
    return out;
}

std::set<std::pair<std::string, int>> Store::recorded(int64_t run_id) const {
    SqliteStmt q(*db_, std::string("SELECT task_id, rollout FROM episodes WHERE run_id = ? AND status NOT IN ") + kInfraStatusesSql);
    q.bind(1, run_id);
    std::set<std::pair<std::string, int>> out;
    while (q.step()) out.emplace(q.text(0), static_cast<int>(q.int64(1)));
    return out;
}

int64_t Store::count_infra_failures(int64_t run_id) const {
    SqliteStmt q(*db_, std::string("SELECT count(*) FROM episodes WHERE run_id = ? AND status IN ") + kInfraStatusesSql);
    q.bind(1, run_id);
    q.step();
    return q.int64(0);
}

void Store::add_episode(int64_t run_id, const Episode& ep) {
    pending_.emplace_back(run_id, ep);
    auto now = std::chrono::steady_clock::now();
    if (pending_.size() >= batch_ || now - last_flush_ >= max_delay_) flush();
}

void Store::flush() {
    last_flush_ = std::chrono::steady_clock::now();
    if (pending_.empty()) return;
    try {
        write_batch();
    } catch (...) {
        flush_failed_ = true;  // the caller hears of it; the destructor does not repeat it
        throw;
    }
    flush_failed_ = false;
    pending_.clear();
}

void Store::write_batch() {
    SqliteTransaction tx(*db_);
    // A retried infrastructure failure gives way to the new outcome (its messages go with it,
    // ON DELETE CASCADE); a finished episode is never replaced.
    SqliteStmt retry_del(
        *db_, std::string("DELETE FROM episodes WHERE run_id = ? AND task_id = ? AND rollout = ? AND status IN ") + kInfraStatusesSql);
    // INSERT OR IGNORE: a (run, task, rollout) already finished is never duplicated.
    SqliteStmt ep_ins(*db_,
                      "INSERT OR IGNORE INTO episodes(run_id,task_id,rollout,status,reward,passed,verdict,"
                      "final_answer,turns,tool_calls,prompt_tokens,completion_tokens,seconds,error) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    SqliteStmt msg_ins(*db_,
                       "INSERT INTO messages(episode_id,idx,role,content,reasoning,tool_calls,tool_call_id,"
                       "name,is_error,prompt_ids,completion_ids,raw) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    std::string buf;
    for (const auto& [run_id, ep] : pending_) {
        retry_del.bind(1, run_id).bind(2, ep.task_id).bind(3, ep.rollout);
        retry_del.run();
        ep_ins.bind(1, run_id).bind(2, ep.task_id).bind(3, ep.rollout);
        ep_ins.bind(4, episode_status_name(ep.status)).bind(5, ep.verdict.reward);
        ep_ins.bind(6, ep.verdict.passed ? 1 : 0);
        ep_ins.bind(7, ep.verdict.to_json().dump());
        if (ep.final_answer.is_null()) ep_ins.bind_null(8);
        else ep_ins.bind(8, ep.final_answer.dump());
        ep_ins.bind(9, ep.turns).bind(10, ep.tool_calls);
        ep_ins.bind(11, ep.prompt_tokens).bind(12, ep.completion_tokens);
        ep_ins.bind(13, ep.seconds);
        if (ep.error.empty()) ep_ins.bind_null(14);
        else ep_ins.bind(14, ep.error);
        ep_ins.run();
        if (db_->changes() == 0) continue;
        int64_t id = db_->last_insert_rowid();
        for (size_t i = 0; i < ep.transcript.size(); ++i) {
            const Message& m = ep.transcript[i];
            msg_ins.bind(1, id).bind(2, static_cast<int64_t>(i)).bind_ref(3, role_name(m.role));
            if (m.content) msg_ins.bind_ref(4, *m.content);
            else msg_ins.bind_null(4);
            if (m.reasoning) msg_ins.bind_ref(5, *m.reasoning);
            else msg_ins.bind_null(5);
            if (!m.tool_calls.empty()) {
                buf.clear();
                JsonArray calls;
                for (const auto& c : m.tool_calls) calls.push_back(c.to_json());
                Json(std::move(calls)).dump_to(buf);
                msg_ins.bind_ref(6, buf);
            } else {
                msg_ins.bind_null(6);
            }
            if (m.role == Role::Tool) msg_ins.bind_ref(7, m.tool_call_id).bind_ref(8, m.name);
            else msg_ins.bind_null(7).bind_null(8);
            msg_ins.bind(9, m.is_error ? 1 : 0);
            if (!m.prompt_ids.empty()) {
                std::string b = pack_ids(m.prompt_ids);
                msg_ins.bind_blob(10, b.data(), b.size());
            } else {
                msg_ins.bind_null(10);
            }
            if (!m.completion_ids.empty()) {
                std::string b = pack_ids(m.completion_ids);
                msg_ins.bind_blob(11, b.data(), b.size());
            } else {
                msg_ins.bind_null(11);
            }
            if (m.raw.empty()) msg_ins.bind_null(12);
            else msg_ins.bind_ref(12, m.raw);
            msg_ins.run();
        }
    }
    tx.commit();
}

std::vector<EpisodeRow> Store::episodes(const EpisodeFilter& f) const {
    SqliteStmt q(*db_, std::string("SELECT e.id, e.run_id, r.name, e.task_id, t.kind, e.rollout, e.status, e.reward, e.passed,"
                                   " e.verdict, e.final_answer, e.turns, e.tool_calls, e.seconds, e.error "
                                   "FROM episodes e JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id "
                                   "WHERE (?1 = '' OR r.name = ?1) AND (?2 < 0 OR e.id = ?2) AND (?3 = 0 OR e.passed = 1) "
                                   "AND (?4 = '' OR t.kind = ?4) AND (?5 = 1 OR e.status NOT IN ") +
                           kInfraStatusesSql + ") ORDER BY e.id");
    q.bind(1, f.run).bind(2, f.episode_id).bind(3, f.only_passed ? 1 : 0).bind(4, f.kind).bind(5, f.include_infra ? 1 : 0);
    std::vector<EpisodeRow> out;
    while (q.step()) {
        EpisodeRow r;
        r.id = q.int64(0);
        r.run_id = q.int64(1);
        r.run_name = q.text(2);
        r.task_id = q.text(3);
        r.kind = q.text(4);
        r.rollout = static_cast<int>(q.int64(5));
        r.status = q.text(6);
        r.reward = q.real(7);
        r.passed = q.int64(8) != 0;
        r.verdict = Json::parse(q.text(9), "stored verdict");
        if (!q.is_null(10)) r.final_answer = Json::parse(q.text(10), "stored final answer");
        r.turns = static_cast<int>(q.int64(11));
        r.tool_calls = static_cast<int>(q.int64(12));
        r.seconds = q.real(13);
        r.error = q.text(14);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Message> Store::messages(int64_t episode_id) const {
    if (!messages_stmt_)
        messages_stmt_ = std::make_unique<SqliteStmt>(
            *db_,
            "SELECT role, content, reasoning, tool_calls, tool_call_id, name, is_error, prompt_ids,"
            " completion_ids, raw FROM messages WHERE episode_id = ? ORDER BY idx");
    SqliteStmt& q = *messages_stmt_;
    struct Reset {
        SqliteStmt& q;
        ~Reset() { q.reset(); }
    } reset{q};
    q.bind(1, episode_id);
    std::vector<Message> out;
    while (q.step()) {
        Message m;
        m.role = parse_role(q.text(0));
        m.content = q.text_or_null(1);
        m.reasoning = q.text_or_null(2);
        if (!q.is_null(3)) {
            const Json calls = Json::parse(q.text(3), "stored tool calls");
            if (!calls.is_array()) throw InvalidInput("stored tool calls: expected an array");
            for (const auto& c : calls.as_array()) m.tool_calls.push_back(ToolCall::from_json(c));
        }
        m.tool_call_id = q.text(4);
        m.name = q.text(5);
        m.is_error = q.int64(6) != 0;
        if (!q.is_null(7)) m.prompt_ids = unpack_ids(q.blob(7));
        if (!q.is_null(8)) m.completion_ids = unpack_ids(q.blob(8));
        if (!q.is_null(9)) m.raw = q.text(9);
        out.push_back(std::move(m));
    }
    return out;
}

void Store::put_validations(const std::vector<ValidationRow>& rows) {
    SqliteTransaction tx(*db_);
    SqliteStmt ins(*db_,
                   "INSERT OR REPLACE INTO validations(task_id,probe,expect_pass,passed,reward,ok,details)"
                   " VALUES(?,?,?,?,?,?,?)");
    for (const auto& r : rows) {
        ins.bind(1, r.task_id).bind(2, r.probe).bind(3, r.expect_pass ? 1 : 0);
        ins.bind(4, r.passed ? 1 : 0).bind(5, r.reward).bind(6, r.ok ? 1 : 0);
        ins.bind(7, r.details.dump());
        ins.run();
    }
    tx.commit();
}

void Store::put_history_decision(const HistoryDecision& d) {
    SqliteStmt ins(*db_,
                   "INSERT OR REPLACE INTO history_decisions(repo, options_key, commit_hash, reason, detail, task_id, seconds, "
                   "suite_seconds) VALUES(?,?,?,?,?,?,?,?)");
    ins.bind(1, d.repo).bind(2, d.options_key).bind(3, d.commit).bind(4, d.reason).bind(5, d.detail);
    if (d.task_id.empty()) ins.bind_null(6);
    else ins.bind(6, d.task_id);
    ins.bind(7, d.seconds).bind(8, d.suite_seconds);
    ins.run();
}

std::map<std::string, HistoryDecision> Store::history_decisions(const std::string& repo, const std::string& options_key) const {
    SqliteStmt q(*db_,
                 "SELECT commit_hash, reason, detail, task_id, seconds, suite_seconds FROM history_decisions "
                 "WHERE repo = ? AND options_key = ?");
    q.bind(1, repo).bind(2, options_key);
    std::map<std::string, HistoryDecision> out;
    while (q.step())
        out[q.text(0)] = {repo,      options_key, q.text(0), q.text(1), q.text_or_null(2).value_or(""), q.text_or_null(3).value_or(""),
                          q.real(4), q.real(5)};
    return out;
}

void Store::add_synthesis_calls(const std::vector<SynthesisCall>& calls) {
    SqliteTransaction tx(*db_);
    SqliteStmt ins(*db_, "INSERT INTO synthesis_calls(source_task, stage, task_id, accepted, reason, raw) VALUES(?,?,?,?,?,?)");
    for (const auto& c : calls) {
        ins.bind(1, c.source_task).bind(2, c.stage).bind(4, c.accepted ? 1 : 0).bind(6, c.raw);
        if (c.task_id.empty()) ins.bind_null(3);
        else ins.bind(3, c.task_id);
        if (c.reason.empty()) ins.bind_null(5);
        else ins.bind(5, c.reason);
        ins.run();
    }
    tx.commit();
}

std::vector<SynthesisCall> Store::synthesis_calls() const {
    SqliteStmt q(*db_, "SELECT source_task, stage, task_id, accepted, reason, raw FROM synthesis_calls ORDER BY id");
    std::vector<SynthesisCall> out;
    while (q.step())
        out.push_back({q.text(0), q.text(1), q.text_or_null(2).value_or(""), q.int64(3) != 0, q.text_or_null(4).value_or(""), q.text(5)});
    return out;
}

std::set<std::string> Store::validated_tasks() const {
    SqliteStmt q(*db_, "SELECT DISTINCT task_id FROM validations");
    std::set<std::string> out;
    while (q.step()) out.insert(q.text(0));
    return out;
}

std::set<std::string> Store::invalid_tasks() const {
    SqliteStmt q(*db_, "SELECT DISTINCT task_id FROM validations WHERE ok = 0");
    std::set<std::string> out;
    while (q.step()) out.insert(q.text(0));
    return out;
}

}  // namespace envforge
