#include "envgen/search/search_kind.hpp"

#include <cstdio>
#include <filesystem>
#include <map>

#include "envgen/search/questions.hpp"
#include "envgen/search/search_env.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/search/fact_questions.hpp"
#include "envgen/search/user_corpus.hpp"
#include "envgen/search/world_cache.hpp"
#include "common/errors.hpp"
#include "envgen/synth_util.hpp"

namespace envforge {

namespace search {

namespace {

constexpr int kDefaultWorldSize = 400;

// Makes sure the task's index exists (rebuilding it from its source if the cache was cleared)
// and returns a shared read-only connection.
std::shared_ptr<SqliteDb> index_for(const Task& task) {
    const SearchEnv env = SearchEnv::from_json(task.env);
    if (!std::filesystem::exists(index_path(env.index))) {
        const std::string rebuilt = env.corpus_type == "synthetic"
                                        ? get_world(static_cast<uint64_t>(env.world_seed), static_cast<int>(env.world_size))->key
                                        : load_user_corpus(env.corpus_path, "")->key;
        if (rebuilt != env.index)
            throw InvalidInput("task " + task.id + ": search index " + env.index + " is missing and its corpus '" +
                               task.env.at("corpus").dump() + "' no longer produces it");
    }
    return open_index(env.index);
}

class SearchEnvironment final : public Environment {
public:
    boost::asio::awaitable<void> start(const Task& task) override {
        task_ = &task;
        db_ = index_for(task);
        co_return;
    }

    boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override {
        const ToolSpec* spec = task_->find_tool(name);
        if (spec->impl.get_bool("submit")) co_return ToolResult{"submitted", false, true, args};
        const std::string op = spec->impl.get_string("op");
        if (op == "search") {
            JsonArray out;
            for (auto& h : search_index(*db_, args.get_string("query"), static_cast<int>(args.get_int("k", 5))))
                out.push_back(Json::object({{"doc_id", h.doc_id}, {"title", h.title}, {"snippet", h.snippet}}));
            co_return ToolResult{Json(std::move(out)).dump(), false, false, Json()};
        }
        if (op == "open") {
            const std::string id = args.get_string("doc_id");
            SqliteStmt q(*db_, "SELECT title, text FROM docs WHERE id = ?");
            q.bind(1, id);
            if (!q.step()) co_return ToolResult::error("no document '" + id + "'");
            const std::string text = q.text(1);
            auto pages = paginate(text);
            const int64_t page = args.get_int("page", 1);
            if (page < 1 || page > static_cast<int64_t>(pages.size()))
                co_return ToolResult::error("page " + std::to_string(page) + " of '" + id + "' does not exist (1-" +
                                            std::to_string(pages.size()) + ")");
            auto [off, len] = pages[static_cast<size_t>(page - 1)];
            co_return ToolResult{Json::object({{"doc_id", id},
                                               {"title", q.text(0)},
                                               {"page", page},
                                               {"pages", static_cast<int64_t>(pages.size())},
                                               {"text", text.substr(off, len)}})
                                     .dump(),
                                 false, false, Json()};
        }
        co_return ToolResult::error("tool '" + name + "' has no implementation");
    }

    boost::asio::awaitable<Verdict> verify(const Json& final_answer) override {
        const Json& v = task_->verifier;
        std::string got = final_answer.is_string() ? final_answer.as_string() : final_answer.get_string("answer");
        Checks c;
        const std::string type = v.get_string("answer_type");
        bool ok = false;
        if (type == "year" || type == "number") {
            std::string digits;
            for (char ch : got) {
                if (std::isdigit(static_cast<unsigned char>(ch))) digits.push_back(ch);
                else if (ch != ',' && !digits.empty()) break;
            }
            ok = !digits.empty() && digits == v.get_string("answer");
        } else {
            const std::string norm = normalize_answer(got);
            for (const auto& alias : v.at("aliases").as_array()) ok = ok || (!norm.empty() && norm == normalize_answer(alias.as_string()));
        }
        c.add("answer", ok, "submitted '" + got + "'");
        co_return c.verdict();
    }

private:
    const Task* task_ = nullptr;
    std::shared_ptr<SqliteDb> db_;
};

class SearchKind final : public EnvKind {
public:
    std::string name() const override { return "search"; }
    std::string describe() const override { return "questions answered by BM25 search over a synthetic world or your own corpus"; }
    Task synthesize(const SynthRequest& req) const override {
        const std::string corpus = req.options.get_string("corpus");
        if (!corpus.empty()) {
            const std::string facts = req.options.get_string("facts");
            if (facts.empty() && !req.options.get_string("relations").empty())
                throw InvalidInput("search --relations: give --facts too; the relations file says how the facts' relations read");
            if (facts.empty())
                throw InvalidInput("search --corpus '" + corpus +
                                   "': indexed, but without --facts there is nothing to "
                                   "ask: questions come from (subject, relation, object, doc_id) triples");
            return synthesize_from_facts(*load_user_corpus(corpus, facts, req.options.get_string("relations")), req.seed, req.difficulty);
        }
        const int64_t size = req.options.get_int("world_size", kDefaultWorldSize);
        if (size < 40 || size > 2'000'000) throw InvalidInput("--world-size " + std::to_string(size) + ": expected 40..2000000");
        auto world = get_world(static_cast<uint64_t>(req.options.get_int("world_seed", 1)), static_cast<int>(size));
        return synthesize_question(*world, req.seed, req.difficulty);
    }
    std::unique_ptr<Environment> make_environment(const Task&) const override { return std::make_unique<SearchEnvironment>(); }
    void check_env(const Task& task) const override { SearchEnv::from_json(task.env); }
    SynthReport report(const std::vector<Task>& tasks, const SynthTally&) const override;
};

// How often the question itself, as a query, finds the answer document first, per difficulty:
// what says whether the questions need search strategy or only a lookup.
SynthReport SearchKind::report(const std::vector<Task>& tasks, const SynthTally&) const {
    std::map<int, std::pair<int, int>> per_difficulty;  // hits, tasks
    for (const auto& t : tasks) {
        auto& [hits, n] = per_difficulty[t.difficulty];
        hits += verbatim_top_hit(t);
        ++n;
    }
    SynthReport out;
    Json shares = Json::object();
    for (const auto& [d, hn] : per_difficulty) {
        const double share = static_cast<double>(hn.first) / hn.second;
        shares.set(std::to_string(d), share);
        char line[160];
        std::snprintf(line, sizeof line, "difficulty %d: answer document is the top hit for the verbatim question in %.1f%% of %d tasks", d,
                      100.0 * share, hn.second);
        out.lines.emplace_back(line);
    }
    out.fields.set("verbatim_top_hit_share", shares);
    return out;
}

}  // namespace

bool verbatim_top_hit(const Task& task) {
    auto db = index_for(task);
    auto hits = search_index(*db, task.prompt, 1);
    return !hits.empty() && hits[0].doc_id == task.verifier.get_string("answer_doc");
}

}  // namespace search

const EnvKind& search_kind() {
    static const search::SearchKind kind;
    return kind;
}

}  // namespace envforge
