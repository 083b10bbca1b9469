#include "envgen/search/fact_questions.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "envgen/search/questions.hpp"
#include "envgen/search/search_env.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/synth_util.hpp"

namespace envforge::search {

namespace {

using Hop = FactGraph::Hop;

// Finds a chain of `want` hops (or the longest found) by a randomized depth-first walk. Each hop
// must be shown by some search (the reference never opens a document no result listed), must not
// revisit an entity, and the last one must ask about an answerable relation.
class ChainFinder {
public:
    ChainFinder(const UserCorpus& c, uint64_t seed) : c_(c), g_(*c.graph), rng_(seed), index_(open_index(c.key)) {}

    std::vector<Hop> find(size_t want) {
        want_ = want;
        const auto& starts = g_.starts();
        for (int attempt = 0; attempt < 64 && best_.size() < want_ && budget_ > 0; ++attempt) {
            const auto& [type, name] = starts[rng_.below(starts.size())];
            on_path_ = {type + '\x1f' + name};
            walk(type, name);
        }
        return best_;
    }

    // The (query, k) whose results list the fact's document, memoised for the corpus. Each call
    // spends one unit of the budget, found in the memo or not, so a question does not depend on
    // which questions this process made before it.
    std::optional<std::pair<std::string, int>> shown(int fact) {
        --budget_;
        auto& memo = *c_.shown;
        {
            std::lock_guard lock(memo.mu);
            if (auto it = memo.by_fact.find(fact); it != memo.by_fact.end()) return it->second;
        }
        const Fact& f = c_.facts[static_cast<size_t>(fact)];
        const Doc& doc = c_.docs[static_cast<size_t>(f.doc)];
        std::string words = f.relation;
        std::replace(words.begin(), words.end(), '_', ' ');
        std::optional<std::pair<std::string, int>> found;
        for (const auto& [q, n] :
             {std::pair<std::string, int>{f.subject + " " + words, 5}, {f.subject + " " + words, 10}, {doc.title, 5}, {doc.title, 10}}) {
            for (const Hit& h : search_index(*index_, q, n))
                if (h.doc_id == doc.id) found = std::pair{q, n};
            if (found) break;
        }
        std::lock_guard lock(memo.mu);
        memo.by_fact.emplace(fact, found);
        return found;
    }

private:
    // True once a chain of the wanted length is found (or the search budget is spent).
    bool walk(const std::string& type, const std::string& name) {
        const auto& hops = g_.hops_from(type, name);
        std::vector<size_t> order(hops.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng_.below(i)]);
        // Short of the last hop, hops that lead on come first: depth is what the difficulty asks.
        const bool last = path_.size() + 1 >= want_;
        std::stable_partition(order.begin(), order.end(), [&](size_t i) {
            const Fact& f = c_.facts[static_cast<size_t>(hops[i].fact)];
            return last ? g_.relations()[static_cast<size_t>(hops[i].relation)].answerable : !g_.hops_from(f.object_type, f.object).empty();
        });
        for (size_t i : order) {
            if (budget_ <= 0) return true;
            const Hop hop = hops[i];
            const Fact& f = c_.facts[static_cast<size_t>(hop.fact)];
            const std::string next = f.object_type + '\x1f' + f.object;
            if (on_path_.count(next) || !shown(hop.fact)) continue;
            path_.push_back(hop);
            if (g_.relations()[static_cast<size_t>(hop.relation)].answerable && !guessable_answer(f.object) && path_.size() > best_.size())
                best_ = path_;
            if (best_.size() >= want_) return true;
            if (path_.size() < want_ && !g_.hops_from(f.object_type, f.object).empty()) {
                on_path_.insert(next);
                if (walk(f.object_type, f.object)) return true;
                on_path_.erase(next);
            }
            path_.pop_back();
        }
        return false;
    }

    const UserCorpus& c_;
    const FactGraph& g_;
    Rng rng_;
    std::shared_ptr<SqliteDb> index_;
    std::unordered_set<std::string> on_path_;
    std::vector<Hop> path_, best_;
    size_t want_ = 1;
    int budget_ = 300;  // hops checked per task: bounds synthesis time on facts with few chains
};

// Wrong answers of the right kind for the last hop: the relation's most common other object, and
// the other object whose name is closest to the answer.
std::vector<std::pair<const char*, std::string>> wrong_answers(const FactGraph& g, int relation, const std::string& answer) {
    const std::string norm = normalize_answer(answer);
    std::string frequent, twin;
    for (const auto& o : g.relations()[static_cast<size_t>(relation)].common_objects)
        if (frequent.empty() && normalize_answer(o) != norm) frequent = o;
    size_t twin_score = 0;
    for (const auto& o : g.objects_of(relation)) {
        if (normalize_answer(o) == norm) continue;
        size_t common = 0;
        while (common < o.size() && common < answer.size() && o[common] == answer[common]) ++common;
        if (twin.empty() || common > twin_score) twin = o, twin_score = common;
    }
    return {{"most_frequent_answer", frequent}, {"near_twin", twin}};
}

}  // namespace

Task synthesize_from_facts(const UserCorpus& c, uint64_t seed, int d) {
    if (!c.graph || c.graph->starts().empty()) {
        std::string why = "search: no fact can be asked about: every (subject, phrase) has more than one answer";
        if (c.graph && !c.graph->unreadable_relations().empty())
            why += ", or its relation has no phrase (give one in --relations for: " + c.graph->unreadable_relations().front() + ")";
        throw InvalidInput(why);
    }
    const FactGraph& g = *c.graph;
    ChainFinder finder(c, seed);
    const auto best = finder.find(static_cast<size_t>(std::clamp(d, 1, 8)));
    if (best.empty())
        throw InvalidInput(
            "search: no answerable fact whose document a search finds (relations whose answers are one common value, "
            "such as 'optional', are not asked about; set \"answer\": true in --relations to allow one)");
    const auto fact = [&](const Hop& h) -> const Fact& { return c.facts[static_cast<size_t>(h.fact)]; };
    const auto phrase = [&](const Hop& h) -> const std::string& { return g.relations()[static_cast<size_t>(h.relation)].phrase; };
    std::string desc = fact(best[0]).subject;
    for (const Hop& h : best) desc = render_phrase(phrase(h), desc);
    const Fact& last = fact(best.back());
    // Each hop searches, then (next turn) opens the document its results showed.
    std::vector<ScriptTurn> script;
    JsonArray path;
    for (const Hop& h : best) {
        const Fact& f = fact(h);
        const Doc& doc = c.docs[static_cast<size_t>(f.doc)];
        const auto [query, k] = *finder.shown(h.fact);
        script.push_back(
            {"Look up " + render_phrase(phrase(h), f.subject) + ".", {{"search", Json::object({{"query", query}, {"k", k}})}}});
        script.push_back({"The results list \"" + doc.title + "\"; open it.",
                          {{"open", Json::object({{"doc_id", doc.id}, {"page", std::max(1, page_of(doc.text, f.object))}})}}});
        path.push_back(Json::object({{"subject", f.subject},
                                     {"subject_type", f.subject_type},
                                     {"relation", f.relation},
                                     {"object", f.object},
                                     {"object_type", f.object_type},
                                     {"doc", doc.id}}));
    }
    script.push_back({"", {{"submit", Json::object({{"answer", last.object}})}}});
    JsonArray probes;
    for (const auto& [name, answer] : wrong_answers(g, best.back().relation, last.object))
        if (!answer.empty())
            probes.push_back(Json::object({{"name", name},
                                           {"expect_pass", false},
                                           {"turns", script_to_json({ScriptTurn{"", {{"submit", Json::object({{"answer", answer}})}}}})}}));
    const int hops = static_cast<int>(best.size());
    Task t = search_task("search.facts", seed, hops);
    t.generator_version = "2";  // 2: typed hops, relation phrases, answerable relations, uniqueness over all facts
    t.prompt = "What is " + desc + "? Answer with just the name or number.";
    SearchEnv env;
    env.index = c.key;
    env.corpus_type = "jsonl";
    env.corpus_path = c.docs_path;
    t.env = env.to_json();
    JsonArray aliases;
    aliases.emplace_back(last.object);
    t.verifier = Json::object({{"type", "search"},
                               {"answer", last.object},
                               {"aliases", Json(std::move(aliases))},
                               {"answer_type", "text"},
                               {"answer_doc", c.docs[static_cast<size_t>(last.doc)].id},
                               {"shape", "chain"},
                               {"hops", static_cast<int64_t>(hops)},
                               {"path", Json(std::move(path))}});
    if (hops < d) t.verifier.set("asked_hops", static_cast<int64_t>(d));
    t.reference = reference_json(script_to_json(script), Json::object({{"answer", last.object}}), std::move(probes));
    t.finalize();
    return t;
}

}  // namespace envforge::search
