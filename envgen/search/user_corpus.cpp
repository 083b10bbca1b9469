#include "envgen/search/user_corpus.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "envgen/search/questions.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/search/world_cache.hpp"
#include "common/errors.hpp"
#include "common/rng.hpp"
#include "envgen/synth_util.hpp"

namespace envforge::search {

namespace {

template <class Fn>
void each_line(const std::string& path, Fn fn) {
    std::ifstream in(path);
    if (!in) throw IoError("'" + path + "': cannot open");
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(n);
        fn(Json::parse(line, where), where);
    }
}

std::string field(const Json& j, const char* name, const std::string& where) {
    const Json* v = j.find(name);
    if (!v || !v->is_string() || v->as_string().empty()) throw InvalidInput(where + ": expected a non-empty string field '" + name + "'");
    return v->as_string();
}

}  // namespace

std::shared_ptr<const UserCorpus> load_user_corpus(const std::string& docs_path, const std::string& facts_path) {
    static std::mutex mu;
    static std::map<std::pair<std::string, std::string>, std::shared_ptr<const UserCorpus>> cache;
    std::lock_guard<std::mutex> lock(mu);
    const std::string abs = std::filesystem::absolute(docs_path).lexically_normal().string();
    auto& slot = cache[{abs, facts_path}];
    if (slot) return slot;
    auto c = std::make_shared<UserCorpus>();
    c->docs_path = abs;
    std::map<std::string, int> by_id;
    each_line(abs, [&](const Json& j, const std::string& where) {
        Doc d{field(j, "id", where), j.get_string("title"), field(j, "text", where)};
        if (!by_id.emplace(d.id, static_cast<int>(c->docs.size())).second)
            throw InvalidInput(where + ": duplicate document id '" + d.id + "'");
        c->docs.push_back(std::move(d));
    });
    if (c->docs.empty()) throw InvalidInput("'" + abs + "': no documents");
    c->key = corpus_key(c->docs);
    build_index(c->key, c->docs);
    if (!facts_path.empty())
        each_line(facts_path, [&](const Json& j, const std::string& where) {
            Fact f{field(j, "subject", where), field(j, "relation", where), field(j, "object", where), -1};
            const std::string doc = field(j, "doc_id", where);
            auto it = by_id.find(doc);
            if (it == by_id.end()) throw InvalidInput(where + ": doc_id '" + doc + "' is not in the corpus");
            f.doc = it->second;
            c->facts.push_back(std::move(f));
        });
    slot = c;
    return slot;
}

Task synthesize_from_facts(const UserCorpus& c, uint64_t seed, int d) {
    // Functional (subject, relation) pairs only: exactly one object, so the answer is unique.
    std::map<std::pair<std::string, std::string>, std::vector<const Fact*>> by_key;
    std::map<std::string, std::vector<std::string>> relations_of;
    for (const auto& f : c.facts) {
        auto& v = by_key[{f.subject, f.relation}];
        if (v.empty()) relations_of[f.subject].push_back(f.relation);
        v.push_back(&f);
    }
    std::vector<std::string> subjects;
    for (const auto& [s, rels] : relations_of) subjects.push_back(s);
    if (subjects.empty()) throw InvalidInput("search: the facts file has no usable facts");
    // A hop is usable only when a search shows the fact's document: the reference never opens a
    // document no result has shown. The query that does, memoised per fact.
    auto index = open_index(c.key);
    std::map<const Fact*, std::optional<std::pair<std::string, int>>> shown_by;
    auto shown = [&](const Fact* f) -> const std::optional<std::pair<std::string, int>>& {
        auto [it, fresh] = shown_by.try_emplace(f);
        if (!fresh) return it->second;
        const Doc& doc = c.docs[static_cast<size_t>(f->doc)];
        for (const auto& [q, n] : {std::pair<std::string, int>{f->subject + " " + f->relation, 5},
                                   {f->subject + " " + f->relation, 10},
                                   {doc.title, 5},
                                   {doc.title, 10}}) {
            for (const Hit& h : search_index(*index, q, n))
                if (h.doc_id == doc.id) it->second = std::pair{q, n};
            if (it->second) break;
        }
        return it->second;
    };
    Rng rng(seed);
    const int want = std::min(d, 4);
    std::vector<const Fact*> best;
    for (int attempt = 0; attempt < 400 && static_cast<int>(best.size()) < want; ++attempt) {
        std::vector<const Fact*> path;
        std::string at = subjects[rng.below(subjects.size())];
        std::set<std::string> seen = {at};
        while (static_cast<int>(path.size()) < want) {
            auto it = relations_of.find(at);
            if (it == relations_of.end()) break;
            const auto& facts = by_key[{at, it->second[rng.below(it->second.size())]}];
            if (facts.size() != 1 || !seen.insert(facts[0]->object).second || !shown(facts[0])) break;
            path.push_back(facts[0]);
            at = facts[0]->object;
        }
        if (path.size() > best.size()) best = path;
    }
    if (best.empty())
        throw InvalidInput("search: no subject has a single-valued relation whose document a search for it finds in the facts file");
    std::string desc = best[0]->subject;
    for (const Fact* f : best) desc = "the " + f->relation + " of " + desc;
    const Fact& last = *best.back();
    // Wrong answers of the right type: the relation's most common other object, and the other
    // object whose name is closest to the answer.
    std::map<std::string, int> counts;
    for (const auto& f : c.facts)
        if (f.relation == last.relation && f.object != last.object) ++counts[f.object];
    std::string frequent, twin;
    int freq_n = 0;
    size_t twin_score = 0;
    for (const auto& [obj, n] : counts) {
        if (n > freq_n) frequent = obj, freq_n = n;
        size_t common = 0;
        while (common < obj.size() && common < last.object.size() && obj[common] == last.object[common]) ++common;
        if (twin.empty() || common > twin_score) twin = obj, twin_score = common;
    }
    // Each hop searches, then (next turn) opens the document its results showed.
    std::vector<ScriptTurn> script;
    for (const Fact* f : best) {
        const Doc& doc = c.docs[static_cast<size_t>(f->doc)];
        const auto& [query, k] = *shown(f);
        script.push_back(
            {"Look up the " + f->relation + " of " + f->subject + ".", {{"search", Json::object({{"query", query}, {"k", k}})}}});
        script.push_back({"The results list \"" + doc.title + "\"; open it.",
                          {{"open", Json::object({{"doc_id", doc.id}, {"page", std::max(1, page_of(doc.text, f->object))}})}}});
    }
    script.push_back({"", {{"submit", Json::object({{"answer", last.object}})}}});
    JsonArray probes;
    for (const auto& [name, answer] :
         {std::pair<const char*, std::string>{"most_frequent_answer", frequent}, std::pair<const char*, std::string>{"near_twin", twin}})
        if (!answer.empty() && normalize_answer(answer) != normalize_answer(last.object))
            probes.push_back(Json::object({{"name", name},
                                           {"expect_pass", false},
                                           {"turns", script_to_json({ScriptTurn{"", {{"submit", Json::object({{"answer", answer}})}}}})}}));
    Task t = search_task("search.facts", seed, d);
    t.prompt = "What is " + desc + "? Answer with just the name or number.";
    t.env = Json::object({{"corpus", Json::object({{"type", "jsonl"}, {"path", c.docs_path}})}, {"index", c.key}});
    JsonArray aliases;
    aliases.emplace_back(last.object);
    t.verifier = Json::object({{"type", "search"},
                               {"answer", last.object},
                               {"aliases", Json(std::move(aliases))},
                               {"answer_type", "text"},
                               {"answer_doc", c.docs[static_cast<size_t>(last.doc)].id},
                               {"shape", "chain"},
                               {"hops", static_cast<int64_t>(best.size())}});
    t.reference = reference_json(script_to_json(script), Json::object({{"answer", last.object}}), std::move(probes));
    t.finalize();
    return t;
}

}  // namespace envforge::search
