#include "envgen/search/fact_graph.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "envgen/search/questions.hpp"

namespace envforge::search {

namespace {

// A relation named like a verb or ending in a preposition reads wrongly as "the R of X".
const std::set<std::string, std::less<>> kVerbs = {"has",     "have",     "had",      "is",    "was",     "are",      "were",
                                                   "be",      "been",     "does",     "did",   "depends", "contains", "includes",
                                                   "uses",    "requires", "provides", "lives", "lived",   "died",     "born",
                                                   "located", "plays",    "played",   "wrote", "owns",    "owned",    "won"};
const std::set<std::string, std::less<>> kPrepositions = {"of",   "in",   "on", "at",    "to",  "by",    "for",  "from",
                                                          "with", "into", "as", "about", "via", "under", "over", "than"};

std::vector<std::string> name_words(std::string_view name) {
    std::vector<std::string> words(1);
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool boundary = c == '_' || c == '-' || c == ' ';
        const bool camel = std::isupper(static_cast<unsigned char>(c)) && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
        if (boundary || camel) {
            if (!words.back().empty()) words.emplace_back();
            if (boundary) continue;
        }
        words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (words.back().empty()) words.pop_back();
    return words;
}

std::string entity_key(const std::string& type, const std::string& name) { return type + '\x1f' + name; }

}  // namespace

std::string derived_phrase(std::string_view relation) {
    const auto words = name_words(relation);
    if (words.empty() || words.size() > 4) return "";
    for (const auto& w : words)
        if (!std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return "";
    const std::string& last = words.back();
    const bool participle = last.size() > 4 && last.ends_with("ed") && !last.ends_with("eed");
    if (kVerbs.count(words.front()) || kPrepositions.count(last) || participle) return "";
    std::string phrase = "the";
    for (const auto& w : words) phrase += " " + w;
    return phrase + " of {subject}";
}

std::string render_phrase(std::string_view phrase, std::string_view subject) {
    std::string out(phrase);
    const size_t at = out.find("{subject}");
    if (at != std::string::npos) out.replace(at, 9, subject);
    return out;
}

bool guessable_answer(std::string_view answer) {
    static const std::set<std::string, std::less<>> kWords = {"yes", "no", "true", "false", "none", "null", "unknown", "n a"};
    return kWords.count(normalize_answer(answer)) > 0;
}

FactGraph::FactGraph(const std::vector<Fact>& facts, const std::unordered_map<std::string, RelationSpec>& specs) {
    // Relations, numbered by first appearance so everything below is in a fixed order.
    std::unordered_map<std::string, int> relation_index;
    std::vector<std::unordered_map<std::string, size_t>> object_counts;
    fact_relation_.reserve(facts.size());
    for (const auto& f : facts) {
        auto [it, fresh] = relation_index.try_emplace(f.relation, static_cast<int>(relations_.size()));
        if (fresh) {
            Relation r;
            r.name = f.relation;
            auto spec = specs.find(f.relation);
            r.phrase = spec != specs.end() && !spec->second.phrase.empty() ? spec->second.phrase : derived_phrase(f.relation);
            relations_.push_back(std::move(r));
            objects_.emplace_back();
            object_counts.emplace_back();
        }
        fact_relation_.push_back(it->second);
        Relation& r = relations_[static_cast<size_t>(it->second)];
        ++r.facts;
        if (object_counts[static_cast<size_t>(it->second)][f.object]++ == 0) objects_[static_cast<size_t>(it->second)].push_back(f.object);
    }
    // Answerable: said so in the relations file, or else its answers are not one common value
    // ("optional" for 99% of Debian's priorities). Small relations can not be judged; they pass.
    for (size_t r = 0; r < relations_.size(); ++r) {
        std::vector<std::pair<size_t, std::string>> by_count;
        for (const auto& [obj, n] : object_counts[r]) by_count.emplace_back(n, obj);
        std::sort(by_count.begin(), by_count.end(),
                  [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
        for (size_t i = 0; i < by_count.size() && i < 2; ++i) relations_[r].common_objects.push_back(by_count[i].second);
        const double top_share = by_count.empty() ? 0.0 : static_cast<double>(by_count[0].first) / static_cast<double>(relations_[r].facts);
        auto spec = specs.find(relations_[r].name);
        const auto answer = spec == specs.end() ? RelationSpec::Answer::Auto : spec->second.answer;
        relations_[r].answerable = !relations_[r].phrase.empty() &&
                                   (answer == RelationSpec::Answer::Yes ||
                                    (answer == RelationSpec::Answer::Auto && !(relations_[r].facts >= 20 && top_share > 0.2)));
    }
    // Group every fact the same words would ask about: (subject name, phrase). A group answers
    // one question only when its facts agree on the object (as answers compare) and on the types.
    struct Group {
        int first = -1;
        std::string answer;
        bool usable = true;
    };
    std::unordered_map<std::string, Group> groups;
    groups.reserve(facts.size());
    std::vector<const Group*> group_of(facts.size(), nullptr);
    for (size_t i = 0; i < facts.size(); ++i) {
        const Fact& f = facts[i];
        const std::string& phrase = relations_[static_cast<size_t>(fact_relation_[i])].phrase;
        if (phrase.empty()) continue;
        auto [it, fresh] = groups.try_emplace(f.subject + '\x1f' + phrase);
        Group& g = it->second;
        if (fresh) {
            g.first = static_cast<int>(i);
            g.answer = normalize_answer(f.object);
        } else if (g.usable) {
            const Fact& first = facts[static_cast<size_t>(g.first)];
            if (normalize_answer(f.object) != g.answer || f.object_type != first.object_type || f.subject_type != first.subject_type) {
                g.usable = false;
                ++ambiguous_pairs_;
            }
        }
        group_of[i] = &g;
    }
    for (size_t i = 0; i < facts.size(); ++i) {
        const Group* g = group_of[i];
        if (!g || !g->usable || g->first != static_cast<int>(i)) continue;
        auto& hops = hops_[entity_key(facts[i].subject_type, facts[i].subject)];
        if (hops.empty()) starts_.emplace_back(facts[i].subject_type, facts[i].subject);
        hops.push_back({static_cast<int>(i), fact_relation_[i]});
    }
}

const std::vector<FactGraph::Hop>& FactGraph::hops_from(const std::string& type, const std::string& name) const {
    static const std::vector<Hop> kNone;
    auto it = hops_.find(entity_key(type, name));
    return it == hops_.end() ? kNone : it->second;
}

std::vector<std::string> FactGraph::unreadable_relations() const {
    std::vector<std::string> out;
    for (const auto& r : relations_)
        if (r.phrase.empty()) out.push_back(r.name);
    return out;
}

}  // namespace envforge::search
