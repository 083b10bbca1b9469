#include "envgen/search/questions.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "envgen/search/search_env.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/synth_util.hpp"
#include "common/rng.hpp"

namespace envforge::search {

std::string normalize_answer(std::string_view s) {
    std::string out;
    bool space = true;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c >= 0x80) {
            out.push_back(static_cast<char>(std::tolower(c)));
            space = false;
        } else if (!space && c != ',') {
            out.push_back(' ');
            space = true;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    for (const char* article : {"the ", "a ", "an "})
        if (out.rfind(article, 0) == 0) out = out.substr(std::string(article).size());
    return out;
}

std::vector<ToolSpec> search_tools() {
    std::vector<ToolSpec> t;
    Json k = Json::object({{"type", "integer"}, {"minimum", 1}, {"maximum", 20}, {"description", "results (default 5)"}});
    t.push_back({"search", "Full-text search of the encyclopedia (BM25). Returns doc_id, title and a snippet per hit.",
                 object_schema({{"query", str_prop("search words")}, {"k", k}}, {"query"}), Json::object({{"op", "search"}})});
    Json page = Json::object({{"type", "integer"}, {"minimum", 1}, {"description", "1-based page (default 1)"}});
    t.push_back({"open", "Read one page of a document.",
                 object_schema({{"doc_id", str_prop("document id from search")}, {"page", page}}, {"doc_id"}),
                 Json::object({{"op", "open"}})});
    t.push_back({"submit", "Submit the final answer: just the name or number.",
                 object_schema({{"answer", str_prop("the answer")}}, {"answer"}), Json::object({{"submit", true}})});
    return t;
}

Task search_task(const char* generator, uint64_t seed, int difficulty) {
    Task t;
    t.kind = "search";
    t.seed = seed;
    t.difficulty = difficulty;
    t.generator_name = generator;
    t.generator_version = "1";
    t.system = search_system_prompt();
    t.tools = search_tools();
    t.limits.max_turns = 16 + 6 * difficulty;
    t.limits.max_tool_calls = 30 + 12 * difficulty;
    return t;
}

std::string search_system_prompt() {
    return "You answer questions by searching an encyclopedia with the search and open tools. The "
           "answer is always stated in some document; verify it there, then call submit with just "
           "the name or number.";
}

namespace {

const char* year_verb(EType t) {
    switch (t) {
        case EType::Person: return "born";
        case EType::Org: return "founded";
        case EType::Place: return "first settled";
        case EType::Work: return "completed";
        case EType::Event: return "held";
    }
    return "";
}

std::string rel_phrase(Rel r, const std::string& x) {
    switch (r) {
        case Rel::BornIn: return "the city where " + x + " was born";
        case Rel::WorksFor: return "the organisation that employed " + x;
        case Rel::BasedIn: return "the city where " + x + " is based";
        case Rel::FoundedBy: return "the founder of " + x;
        case Rel::CreatedBy: return "the creator of " + x;
        case Rel::PublishedBy: return "the organisation that first published " + x;
        case Rel::HeldIn: return "the city that hosted " + x;
        case Rel::WonBy: return "the winner of " + x;
        default: return x;
    }
}

const char* rel_keyword(Rel r) {
    switch (r) {
        case Rel::BornIn: return "born";
        case Rel::WorksFor: return "worked";
        case Rel::BasedIn: return "based";
        case Rel::FoundedBy: return "founded";
        case Rel::CreatedBy: return "by";
        case Rel::PublishedBy: return "edition imprint";
        case Rel::HeldIn: return "took place";
        case Rel::WonBy: return "results awarded";
        default: return "";
    }
}

struct Draft {
    std::string question, answer, answer_type, frequent, twin;
    std::vector<std::string> aliases;  // other accepted spellings of the answer
    int answer_doc = -1;
    std::vector<ScriptTurn> script;
    std::string shape;
    int hops = 0;
};

class Synth {
public:
    Synth(const WorldBundle& b, uint64_t seed, int d) : b_(b), w_(b.world), rng_(seed), d_(d) {}

    std::optional<Draft> attempt() {
        const uint64_t pick = rng_.below(100);
        switch (d_) {
            case 1: return chain(1, false);
            case 2: return pick < 40 ? chain(2, false) : pick < 70 ? intersection() : comparison();
            case 3: return pick < 75 ? chain(2, true) : aggregate();
            case 4: return chain(3, true);
            default: return chain(4, true);
        }
    }

private:
    const WorldBundle& b_;
    const World& w_;
    Rng rng_;
    int d_;

    const Doc& doc(int i) const { return b_.corpus.docs[static_cast<size_t>(i)]; }

    // One search, then (in the next turn, after its results are in) the document the results
    // show, at the page holding `needle`. The reference must never open a document no result has
    // shown it, so the search is run here, on the index the agent will use (ten results for the
    // query as given, else for the document's title: each search costs about a millisecond on a
    // 100,000-document world); nullopt when neither shows the document or the page lacks the
    // needle.
    using Lookup = std::pair<ScriptTurn, ScriptTurn>;
    std::optional<Lookup> lookup(const std::string& why, const std::string& query, int doc_index, const std::string& needle) const {
        const Doc& d = doc(doc_index);
        int page = page_of(d.text, needle);
        if (page == 0) return std::nullopt;
        if (!index_) index_ = open_index(b_.key);
        for (const auto& [q, k] : {std::pair<std::string, int>{query, 10}, {d.title, 10}}) {
            bool shown = false;
            for (const Hit& h : search_index(*index_, q, k)) shown = shown || h.doc_id == d.id;
            if (!shown) continue;
            Lookup l{ScriptTurn{why, {}}, ScriptTurn{"The results list \"" + d.title + "\"; open it.", {}}};
            l.first.calls.push_back({"search", Json::object({{"query", q}, {"k", k}})});
            l.second.calls.push_back({"open", Json::object({{"doc_id", d.id}, {"page", page}})});
            return l;
        }
        return std::nullopt;
    }
    static void append(std::vector<ScriptTurn>& script, const Lookup& l) {
        script.push_back(l.first);
        script.push_back(l.second);
    }
    mutable std::shared_ptr<SqliteDb> index_;

    std::string named(const Entity& e) const {
        switch (e.type) {
            case EType::Person:
                return e.namesake >= 0 ? "the " + e.category + " " + e.name + " (born " + std::to_string(e.year) + ")" : e.name;
            case EType::Work: return "the " + e.category + " \"" + e.name + "\"";
            case EType::Event: return "the " + e.name;
            default: return e.name;
        }
    }

    // An attribute-only description that matches exactly one entity, with its search words.
    std::optional<std::pair<std::string, std::string>> oblique(const Entity& e) const {
        auto unique = [&](auto pred) {
            int n = 0;
            for (int id : w_.of(e.type)) n += pred(w_.at(id)) ? 1 : 0;
            return n == 1;
        };
        const std::string y = std::to_string(e.year);
        switch (e.type) {
            case EType::Work: {
                const Entity& c = w_.at(e.get(Rel::CreatedBy));
                const Entity& p = w_.at(e.get(Rel::PublishedBy));
                // The creator's occupation follows from the work's kind, so the decade of their
                // birth is what tells two works of one year apart.
                const std::string decade = std::to_string(c.year / 10 * 10) + "s";
                auto same = [&](const Entity& o) {
                    const Entity& oc = w_.at(o.get(Rel::CreatedBy));
                    return o.year == e.year && o.category == e.category && oc.category == c.category && oc.year / 10 == c.year / 10;
                };
                const std::string by = "the " + e.category + " from " + y + " by a " + c.category + " born in the " + decade;
                if (unique(same)) return std::pair{by, y + " " + e.category + " " + c.category};
                if (unique([&](const Entity& o) { return same(o) && w_.at(o.get(Rel::PublishedBy)).category == p.category; }))
                    return std::pair{by + ", first published by a " + p.category, y + " " + e.category + " " + c.category};
                return std::nullopt;
            }
            case EType::Person: {
                const Entity& o = w_.at(e.get(Rel::WorksFor));
                const Entity& c = w_.at(e.get(Rel::BornIn));
                auto same = [&](const Entity& p) {
                    return p.year == e.year && p.category == e.category && w_.at(p.get(Rel::WorksFor)).category == o.category;
                };
                if (unique(same))
                    return std::pair{"the " + e.category + " born in " + y + " who worked for a " + o.category,
                                     e.category + " " + y + " " + o.category};
                if (unique([&](const Entity& p) { return same(p) && w_.at(p.get(Rel::BornIn)).category == c.category; }))
                    return std::pair{"the " + e.category + " born in " + y + " in a " + c.category + " city who worked for a " + o.category,
                                     e.category + " " + y + " " + o.category};
                return std::nullopt;
            }
            case EType::Org: {
                const Entity& c = w_.at(e.get(Rel::BasedIn));
                auto same = [&](const Entity& o) { return o.year == e.year && o.category == e.category; };
                if (unique(same)) return std::pair{"the " + e.category + " founded in " + y, e.category + " " + y};
                if (unique([&](const Entity& o) { return same(o) && w_.at(o.get(Rel::BasedIn)).category == c.category; }))
                    return std::pair{"the " + e.category + " founded in " + y + " in a " + c.category + " city", e.category + " " + y};
                return std::nullopt;
            }
            case EType::Event: {
                const Entity& c = w_.at(e.get(Rel::HeldIn));
                auto same = [&](const Entity& o) { return o.year == e.year && o.category == e.category; };
                if (unique(same)) return std::pair{"the " + e.category + " held in " + y, e.category + " " + y};
                if (unique([&](const Entity& o) { return same(o) && w_.at(o.get(Rel::HeldIn)).category == c.category; }))
                    return std::pair{"the " + e.category + " held in " + y + " in a " + c.category + " city", e.category + " " + y};
                return std::nullopt;
            }
            default: return std::nullopt;
        }
    }

    std::vector<Rel> rels_from(EType t) const {
        switch (t) {
            case EType::Work: return {Rel::CreatedBy, Rel::PublishedBy};
            case EType::Org: return {Rel::BasedIn, Rel::FoundedBy};
            case EType::Person: return {Rel::BornIn, Rel::WorksFor};
            case EType::Event: return {Rel::HeldIn, Rel::WonBy};
            default: return {};
        }
    }

    std::optional<Draft> chain(int hops, bool indirect) {
        const EType starts[] = {EType::Work, EType::Event, EType::Org, EType::Person};
        const EType st = rng_.pick(starts);
        const Entity* e = &w_.at(w_.of(st)[rng_.below(w_.of(st).size())]);
        std::vector<const Entity*> path = {e};
        std::vector<Rel> rels;
        for (int h = 0; h < hops; ++h) {
            auto options = rels_from(path.back()->type);
            if (options.empty()) return std::nullopt;
            Rel r = rng_.pick(options);
            const Entity* next = &w_.at(path.back()->get(r));
            for (const Entity* seen : path)
                if (seen == next) return std::nullopt;
            rels.push_back(r);
            path.push_back(next);
        }
        const Entity& target = *path.back();
        const bool ask_year = target.type != EType::Place ? rng_.chance(25) : rng_.chance(15);
        Draft q;
        q.shape = "chain";
        q.hops = hops;
        std::string desc, first_query;
        if (indirect) {
            auto ob = oblique(*path[0]);
            if (!ob) return std::nullopt;
            desc = ob->first;
            first_query = ob->second;
        } else {
            desc = named(*path[0]);
            first_query = path[0]->name;
        }
        for (Rel r : rels) desc = rel_phrase(r, desc);
        if (ask_year) {
            q.question = std::string("In which year was ") + desc + " " + year_verb(target.type) + "?";
            q.answer = std::to_string(target.year);
            q.answer_type = "year";
            q.answer_doc = b_.corpus.year_doc[static_cast<size_t>(target.id)];
            if (target.year == b_.frequent_year[static_cast<size_t>(target.type)]) return std::nullopt;
            q.twin = std::to_string(target.year + 1);
            q.frequent = std::to_string(b_.frequent_year[static_cast<size_t>(target.type)]);
        } else {
            q.question = "What is the name of " + desc + "?";
            q.answer = target.name;
            q.answer_type = etype_name(target.type);
            if (target.type == EType::Place) q.aliases.push_back(target.name + ", " + target.disambiguation);
            if (target.namesake >= 0) q.aliases.push_back(display_name(target));
            q.answer_doc = b_.corpus.rel_doc[static_cast<size_t>(path[path.size() - 2]->id)][static_cast<size_t>(rels.back())];
            const int freq = b_.frequent_entity[static_cast<size_t>(target.type)];
            if (freq < 0 || freq == target.id || w_.at(freq).name == target.name || target.twin < 0) return std::nullopt;
            q.twin = w_.at(target.twin).name;
            q.frequent = w_.at(freq).name;
        }
        // Reference: find the start, then read each hop's fact where the corpus states it.
        auto first = lookup(indirect ? "Identify the starting entity from its description." : "Find the starting entity.", first_query,
                            b_.corpus.main_doc[static_cast<size_t>(path[0]->id)], path[0]->name);
        if (!first) return std::nullopt;
        append(q.script, *first);
        for (size_t i = 0; i < rels.size(); ++i) {
            const Entity& from = *path[i];
            const int at = b_.corpus.rel_doc[static_cast<size_t>(from.id)][static_cast<size_t>(rels[i])];
            auto step = lookup("Follow the next relation.", from.name + " " + rel_keyword(rels[i]), at, display_name(*path[i + 1]));
            if (!step) return std::nullopt;
            append(q.script, *step);
        }
        if (ask_year) {
            auto last = lookup("Read the year.", target.name + " " + year_verb(target.type), q.answer_doc, q.answer);
            if (!last) return std::nullopt;
            append(q.script, *last);
        }
        return q;
    }

    std::optional<Draft> intersection() {
        const auto& people = w_.of(EType::Person);
        const Entity& p = w_.at(people[rng_.below(people.size())]);
        if (p.twin < 0 || p.namesake >= 0) return std::nullopt;
        const Entity& city = w_.at(p.get(Rel::BornIn));
        const Entity& org = w_.at(p.get(Rel::WorksFor));
        const int lo = p.year - static_cast<int>(rng_.range(1, 6)), hi = p.year + static_cast<int>(rng_.range(1, 6));
        enum What { City, Years, Employer };
        struct C {
            What what;
            std::function<bool(const Entity&)> ok;
        };
        std::vector<C> pool = {
            {City, [&](const Entity& x) { return x.get(Rel::BornIn) == city.id; }},
            {Years, [=](const Entity& x) { return x.year >= lo && x.year <= hi; }},
            {Employer, [&](const Entity& x) { return w_.at(x.get(Rel::WorksFor)).category == org.category; }},
        };
        rng_.shuffle(pool);
        std::vector<const C*> used;
        int matches = 0;
        for (const auto& c : pool) {
            used.push_back(&c);
            matches = 0;
            for (int id : people) {
                const Entity& x = w_.at(id);
                bool all = x.category == p.category;
                for (const C* u : used) all = all && u->ok(x);
                matches += all;
            }
            if (matches == 1) break;
        }
        if (matches != 1 || used.size() < 2) return std::nullopt;
        Draft q;
        q.shape = "intersection";
        q.hops = static_cast<int>(used.size());
        // One predicate per fact, joined as English joins them: "Which painter was born in Kevby
        // between 1968 and 1980 and worked for a design studio?"
        bool has[3] = {false, false, false};
        for (const C* u : used) has[u->what] = true;
        std::vector<std::string> verbs;
        if (has[City] || has[Years])
            verbs.push_back(std::string("was born") + (has[City] ? " in " + city.name : "") +
                            (has[Years] ? " between " + std::to_string(lo) + " and " + std::to_string(hi) : ""));
        if (has[Employer]) verbs.push_back("worked for a " + org.category);
        q.question = "Which " + p.category + " " + verbs[0] + (verbs.size() > 1 ? " and " + verbs[1] : "") + "? Give the full name.";
        q.answer = p.name;
        q.answer_type = "person";
        q.answer_doc = b_.corpus.main_doc[static_cast<size_t>(p.id)];
        const int freq = b_.frequent_entity[static_cast<size_t>(EType::Person)];
        if (freq < 0 || w_.at(freq).name == p.name) return std::nullopt;
        q.frequent = w_.at(freq).name;
        q.twin = w_.at(p.twin).name;
        auto a = lookup("List the people born in the city.", city.name + " people born", b_.corpus.main_doc[static_cast<size_t>(city.id)],
                        display_name(p));
        auto b = lookup("Check the candidate's career.", p.name + " " + p.category, q.answer_doc, p.name);
        auto c = lookup("Check the candidate's birth.", p.name + " born",
                        b_.corpus.rel_doc[static_cast<size_t>(p.id)][static_cast<size_t>(Rel::BornIn)], city.name);
        if (!a || !b || !c) return std::nullopt;
        for (const auto* l : {&*a, &*b, &*c}) append(q.script, *l);
        return q;
    }

    std::optional<Draft> comparison() {
        const auto& orgs = w_.of(EType::Org);
        const Entity& x = w_.at(orgs[rng_.below(orgs.size())]);
        if (x.twin < 0 || x.id == b_.frequent_entity[static_cast<size_t>(EType::Org)]) return std::nullopt;
        std::vector<const Entity*> items = {&x};
        for (int tries = 0; items.size() < 3 && tries < 50; ++tries) {
            const Entity& o = w_.at(orgs[rng_.below(orgs.size())]);
            bool fresh = o.year > x.year && o.id != x.twin;
            for (const Entity* it : items) fresh = fresh && it != &o;
            if (fresh) items.push_back(&o);
        }
        if (items.size() < 3) return std::nullopt;
        rng_.shuffle(items);
        Draft q;
        q.shape = "comparison";
        q.hops = 3;
        q.question = "Which of these organisations was founded first: " + items[0]->name + ", " + items[1]->name + " or " + items[2]->name +
                     "?";
        q.answer = x.name;
        q.answer_type = "organisation";
        q.answer_doc = b_.corpus.year_doc[static_cast<size_t>(x.id)];
        q.twin = w_.at(x.twin).name;
        q.frequent = w_.at(b_.frequent_entity[static_cast<size_t>(EType::Org)]).name;
        for (const Entity* it : items) {
            auto s = lookup("Find when it was founded.", it->name + " founded", b_.corpus.year_doc[static_cast<size_t>(it->id)],
                            std::to_string(it->year));
            if (!s) return std::nullopt;
            append(q.script, *s);
        }
        return q;
    }

    std::optional<Draft> aggregate() {
        std::vector<int> created(w_.entities.size(), 0);
        for (int id : w_.of(EType::Work)) ++created[static_cast<size_t>(w_.at(id).get(Rel::CreatedBy))];
        std::map<int, int> freq;
        for (int id : w_.of(EType::Person)) ++freq[created[static_cast<size_t>(id)]];
        int mode = 0, best = -1;
        for (const auto& [k, v] : freq)
            if (v > best) mode = k, best = v;
        const auto& people = w_.of(EType::Person);
        const Entity& p = w_.at(people[rng_.below(people.size())]);
        const int n = created[static_cast<size_t>(p.id)];
        if (n == 0 || n == mode) return std::nullopt;
        auto ob = oblique(p);
        if (!ob) return std::nullopt;
        Draft q;
        q.shape = "aggregate";
        q.hops = 1;
        q.question = "How many works by " + ob->first + " does the encyclopedia list?";
        q.answer = std::to_string(n);
        q.answer_type = "number";
        q.answer_doc = b_.corpus.main_doc[static_cast<size_t>(p.id)];
        q.twin = std::to_string(n + 1);
        q.frequent = std::to_string(mode);
        auto s = lookup("Find the person and count the works listed.", ob->second, q.answer_doc, "Works:");
        if (!s) return std::nullopt;
        append(q.script, *s);
        return q;
    }
};

}  // namespace

Task synthesize_question(const WorldBundle& b, uint64_t seed, int d) {
    Synth synth(b, seed, d);
    std::optional<Draft> q;
    for (int attempt = 0; attempt < 2000 && !q; ++attempt) q = synth.attempt();
    if (!q) throw std::runtime_error("search: no question found for seed " + std::to_string(seed));
    Task t = search_task("search.synthetic", seed, d);
    // 2: works and event wins at least 15 years after the person's birth. 3: creators make their
    // kind of work (described by the decade of their birth), intersection questions in plain English.
    // 4: the world's stages draw from their own streams (search.world/4).
    t.generator_version = "4";
    t.prompt = fix_articles(" " + q->question).substr(1) + " Answer with just the name or number.";
    SearchEnv env;
    env.index = b.key;
    env.corpus_type = "synthetic";
    env.world_seed = static_cast<int64_t>(b.world.seed);
    env.world_size = b.world.size;
    t.env = env.to_json();
    JsonArray aliases;
    aliases.emplace_back(q->answer);
    for (const auto& a : q->aliases) aliases.emplace_back(a);
    t.verifier = Json::object({{"type", "search"},
                               {"answer", q->answer},
                               {"aliases", Json(std::move(aliases))},
                               {"answer_type", q->answer_type},
                               {"answer_doc", b.corpus.docs[static_cast<size_t>(q->answer_doc)].id},
                               {"shape", q->shape},
                               {"hops", q->hops}});
    std::vector<ScriptTurn> script = q->script;
    script.push_back({"The answer is confirmed in the document.", {{"submit", Json::object({{"answer", q->answer}})}}});
    JsonArray probes;
    auto guess = [&](const char* name, const std::string& answer) {
        ScriptTurn turn{"", {{"submit", Json::object({{"answer", answer}})}}};
        probes.push_back(Json::object({{"name", name}, {"expect_pass", false}, {"turns", script_to_json({turn})}}));
    };
    guess("most_frequent_answer", q->frequent);
    guess("near_twin", q->twin);
    t.reference = reference_json(script_to_json(script), Json::object({{"answer", q->answer}}), std::move(probes));
    t.finalize();
    return t;
}

}  // namespace envforge::search
