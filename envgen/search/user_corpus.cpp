#include "envgen/search/user_corpus.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "common/errors.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/search/world_cache.hpp"
#include "common/json.hpp"

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

std::string optional_string(const Json& j, const char* name, const std::string& where) {
    const Json* v = j.find(name);
    if (!v || v->is_null()) return "";
    if (!v->is_string()) throw InvalidInput(where + ": '" + name + "' must be a string");
    return v->as_string();
}

// A fact's type: its own, else its relation's; both given and different is the user's mistake.
std::string resolve_type(const std::string& own, const std::string& declared, const char* name, const std::string& relation,
                         const std::string& where) {
    if (!own.empty() && !declared.empty() && own != declared)
        throw InvalidInput(where + ": " + name + " '" + own + "', but the relations file gives '" + relation + "' the " + name + " '" +
                           declared + "'");
    return own.empty() ? declared : own;
}

}  // namespace

std::unordered_map<std::string, RelationSpec> read_relations(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw IoError("'" + path + "': cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    const Json root = Json::parse(ss.str(), path);
    const Json* rels = root.is_object() ? root.find("relations") : nullptr;
    if (!rels || !rels->is_object())
        throw InvalidInput(path + ": expected {\"relations\": {NAME: {phrase, subject_type, object_type, answer}}}");
    std::unordered_map<std::string, RelationSpec> out;
    for (const auto& [name, spec] : rels->as_object()) {
        const std::string where = path + ": relation '" + name + "'";
        if (!spec.is_object()) throw InvalidInput(where + ": expected an object");
        RelationSpec r;
        for (const auto& [key, value] : spec.as_object()) {
            if (key == "phrase" || key == "subject_type" || key == "object_type") {
                if (!value.is_string()) throw InvalidInput(where + ": '" + key + "' must be a string");
                (key == "phrase" ? r.phrase : key == "subject_type" ? r.subject_type : r.object_type) = value.as_string();
            } else if (key == "answer") {
                if (!value.is_bool()) throw InvalidInput(where + ": 'answer' must be true or false");
                r.answer = value.as_bool() ? RelationSpec::Answer::Yes : RelationSpec::Answer::No;
            } else {
                throw InvalidInput(where + ": unknown field '" + key + "' (phrase, subject_type, object_type, answer)");
            }
        }
        const size_t at = r.phrase.find("{subject}");
        if (!r.phrase.empty() && (at == std::string::npos || r.phrase.find("{subject}", at + 1) != std::string::npos))
            throw InvalidInput(where + ": the phrase must name {subject} exactly once, as in \"the capital of {subject}\"");
        out.emplace(name, std::move(r));
    }
    return out;
}

std::vector<Doc> read_docs(const std::string& path, std::unordered_map<std::string, int>& by_id) {
    std::vector<Doc> docs;
    each_line(path, [&](const Json& j, const std::string& where) {
        Doc d{field(j, "id", where), j.get_string("title"), field(j, "text", where)};
        if (!by_id.emplace(d.id, static_cast<int>(docs.size())).second)
            throw InvalidInput(where + ": duplicate document id '" + d.id + "'");
        docs.push_back(std::move(d));
    });
    if (docs.empty()) throw InvalidInput("'" + path + "': no documents");
    return docs;
}

std::vector<Fact> read_facts(const std::string& path, const std::unordered_map<std::string, int>& doc_index,
                             const std::unordered_map<std::string, RelationSpec>& relations) {
    std::vector<Fact> facts;
    each_line(path, [&](const Json& j, const std::string& where) {
        Fact f{field(j, "subject", where), field(j, "relation", where), field(j, "object", where), "", "", -1};
        auto spec = relations.find(f.relation);
        const RelationSpec none;
        const RelationSpec& r = spec == relations.end() ? none : spec->second;
        f.subject_type = resolve_type(optional_string(j, "subject_type", where), r.subject_type, "subject_type", f.relation, where);
        f.object_type = resolve_type(optional_string(j, "object_type", where), r.object_type, "object_type", f.relation, where);
        const std::string doc = field(j, "doc_id", where);
        auto it = doc_index.find(doc);
        if (it == doc_index.end()) throw InvalidInput(where + ": doc_id '" + doc + "' is not in the corpus");
        f.doc = it->second;
        facts.push_back(std::move(f));
    });
    return facts;
}

std::shared_ptr<const UserCorpus> load_user_corpus(const std::string& docs_path, const std::string& facts_path,
                                                   const std::string& relations_path) {
    static std::mutex mu;
    static std::map<std::tuple<std::string, std::string, std::string>, std::shared_ptr<const UserCorpus>> cache;
    std::lock_guard<std::mutex> lock(mu);
    const std::string abs = std::filesystem::absolute(docs_path).lexically_normal().string();
    auto& slot = cache[{abs, facts_path, relations_path}];
    if (slot) return slot;
    auto c = std::make_shared<UserCorpus>();
    c->docs_path = abs;
    std::unordered_map<std::string, int> by_id;
    c->docs = read_docs(abs, by_id);
    c->key = corpus_key(c->docs);
    build_index(c->key, c->docs);
    if (!relations_path.empty()) c->relations = read_relations(relations_path);
    if (!facts_path.empty()) {
        c->facts = read_facts(facts_path, by_id, c->relations);
        c->graph = std::make_unique<FactGraph>(c->facts, c->relations);
    }
    slot = c;
    return slot;
}

}  // namespace envforge::search
