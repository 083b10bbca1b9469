// Questions over users' facts: phrases, typed hops, uniqueness over every relation that reads
// alike, answerable relations, honest depth, and the relations file's errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.hpp"
#include "envgen/kind.hpp"
#include "envgen/search/fact_graph.hpp"
#include "envgen/search/user_corpus.hpp"
#include "tests/play_script.hpp"

using namespace envforge;
using namespace envforge::search;
namespace fs = std::filesystem;

namespace {

// A corpus in its own temporary folder: documents titled by their subject, so a search finds
// each fact's document.
struct Fixture {
    fs::path dir;
    explicit Fixture(const std::string& name) : dir(fs::temp_directory_path() / ("envforge-facts-" + name)) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Fixture() { fs::remove_all(dir); }
    std::string write(const std::string& file, const std::string& text) const {
        std::ofstream(dir / file) << text;
        return (dir / file).string();
    }
    Json options(const std::string& relations = "") const {
        Json o = Json::object({{"corpus", (dir / "docs.jsonl").string()}, {"facts", (dir / "facts.jsonl").string()}});
        if (!relations.empty()) o.set("relations", relations);
        return o;
    }
};

std::string doc(const std::string& id, const std::string& title, const std::string& text) {
    return R"({"id":")" + id + R"(","title":")" + title + R"(","text":")" + text + "\"}\n";
}

std::string fact(const std::string& s, const std::string& r, const std::string& o, const std::string& d, const std::string& st = "",
                 const std::string& ot = "") {
    std::string line = R"({"subject":")" + s + R"(","relation":")" + r + R"(","object":")" + o + R"(","doc_id":")" + d + "\"";
    if (!st.empty()) line += R"(,"subject_type":")" + st + "\"";
    if (!ot.empty()) line += R"(,"object_type":")" + ot + "\"";
    return line + "}\n";
}

Task synth(int d, uint64_t seed, Json options) {
    SynthRequest req;
    req.seed = seed;
    req.difficulty = d;
    req.options = std::move(options);
    return require_kind("search").synthesize(req);
}

}  // namespace

TEST_CASE("facts: a relation's name reads as a noun, or it needs a phrase") {
    CHECK(derived_phrase("birthplace") == "the birthplace of {subject}");
    CHECK(derived_phrase("date_of_birth") == "the date of birth of {subject}");
    CHECK(derived_phrase("countryOfOrigin") == "the country of origin of {subject}");
    CHECK(derived_phrase("speed") == "the speed of {subject}");
    for (const char* raw : {"depends_on", "wasBornIn", "P31", "founded", "has_part", "located_in", "", "a_b_c_d_e"})
        CHECK_MESSAGE(derived_phrase(raw).empty(), raw);
    CHECK(render_phrase("the capital of {subject}", "France") == "the capital of France");
    CHECK(guessable_answer("Yes."));
    CHECK(guessable_answer("FALSE"));
    CHECK_FALSE(guessable_answer("Norway"));
}

TEST_CASE("facts: a hop joins only an entity of the type its relation gives") {
    // The section "ruby" and the package "ruby": joined by name, "the maintainer of the archive
    // section of rubyapp" would be asked and answered with the package's maintainer.
    Fixture fx("types");
    fx.write("docs.jsonl", doc("p1", "rubyapp", "rubyapp is in the section ruby.") + doc("p2", "ruby", "ruby is maintained by Alice Ng."));
    fx.write("facts.jsonl", fact("rubyapp", "section", "ruby", "p1") + fact("ruby", "maintainer", "Alice Ng", "p2"));
    const std::string rels = fx.write("relations.json", R"({"relations": {
        "section": {"phrase": "the archive section of {subject}", "subject_type": "package", "object_type": "section"},
        "maintainer": {"subject_type": "package", "object_type": "person"}}})");
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        Task t = synth(2, seed, fx.options(rels));
        CHECK(t.verifier.get_int("hops") == 1);
        CHECK(t.difficulty == 1);
        CHECK(t.verifier.get_int("asked_hops") == 2);
        CHECK(t.prompt.find("of the archive section") == std::string::npos);
    }
    // Untyped, the same facts chain by name: the old reading, still there for facts without types.
    Fixture untyped("untyped");
    untyped.write("docs.jsonl",
                  doc("p1", "rubyapp", "rubyapp is in the section ruby.") + doc("p2", "ruby", "ruby is maintained by Alice Ng."));
    untyped.write("facts.jsonl", fact("rubyapp", "section", "ruby", "p1") + fact("ruby", "maintainer", "Alice Ng", "p2"));
    bool chained = false;
    for (uint64_t seed = 1; seed <= 20 && !chained; ++seed)
        chained = synth(2, seed, untyped.options()).prompt ==
                  "What is the maintainer of the section of rubyapp? Answer with just the name or number.";
    CHECK(chained);
}

TEST_CASE("facts: one answer over every relation that reads alike") {
    Fixture fx("synonyms");
    // born_in and birthplace read the same once phrased; for Ada they disagree, so neither is
    // asked about Ada. For Bo they agree (as answers compare), so the question stands.
    fx.write("docs.jsonl", doc("a", "Ada Quill", "Ada Quill was born in Porthmere, or Welmsfold.") +
                               doc("b", "Bo Quill", "Bo Quill was born in Porthmere."));
    fx.write("facts.jsonl", fact("Ada Quill", "born_in", "Porthmere", "a") + fact("Ada Quill", "birthplace", "Welmsfold", "a") +
                                fact("Bo Quill", "born_in", "Porthmere", "b") + fact("Bo Quill", "birthplace", "porthmere.", "b"));
    const std::string rels = fx.write("relations.json", R"({"relations": {"born_in": {"phrase": "the birthplace of {subject}"}}})");
    auto corpus = load_user_corpus(fx.dir / "docs.jsonl", fx.dir / "facts.jsonl", rels);
    CHECK(corpus->graph->ambiguous_pairs() == 1);
    CHECK(corpus->graph->hops_from("", "Ada Quill").empty());
    CHECK(corpus->graph->hops_from("", "Bo Quill").size() == 1);
    for (uint64_t seed = 1; seed <= 10; ++seed) CHECK(synth(1, seed, fx.options(rels)).prompt.find("Bo Quill") != std::string::npos);
    // Without the phrase, born_in does not read as a noun: only birthplace is asked, for both.
    auto bare = load_user_corpus(fx.dir / "docs.jsonl", fx.dir / "facts.jsonl", "");
    CHECK(bare->graph->unreadable_relations() == std::vector<std::string>{"born_in"});
    CHECK(bare->graph->hops_from("", "Ada Quill").size() == 1);
}

TEST_CASE("facts: a relation whose answers are one common value is not asked, unless the file allows it") {
    Fixture fx("guessable");
    std::string docs, facts;
    for (int i = 0; i < 30; ++i) {
        const std::string n = "pkg" + std::to_string(i), v = "1." + std::to_string(i);
        docs += doc(n, n, n + " has priority optional and version " + v + ".");
        facts += fact(n, "priority", "optional", n) + fact(n, "version", v, n);
    }
    fx.write("docs.jsonl", docs);
    fx.write("facts.jsonl", facts);
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        Task t = synth(1, seed, fx.options());
        CHECK(t.prompt.find("the version of") == 0 + std::string("What is ").size());
        // Wrong answers of the right kind: another package's version.
        CHECK(t.reference.dump().find("near_twin") != std::string::npos);
        for (const auto& p : all_probes(t)) CHECK(envforge::testing::play(t, p.script).verdict.passed == p.expect_pass);
    }
    const std::string allow = fx.write("relations.json", R"({"relations": {"priority": {"answer": true}, "version": {"answer": false}}})");
    CHECK(synth(1, 3, fx.options(allow)).verifier.get_string("answer") == "optional");
    const std::string none = fx.write("none.json", R"({"relations": {"version": {"answer": false}}})");
    CHECK_THROWS_WITH_AS(synth(1, 1, fx.options(none)), doctest::Contains("\"answer\": true"), InvalidInput);
}

TEST_CASE("facts: the relations file and the facts' types are checked") {
    Fixture fx("errors");
    fx.write("docs.jsonl", doc("a", "Ada", "Ada was born in Porthmere."));
    fx.write("facts.jsonl", fact("Ada", "birthplace", "Porthmere", "a", "city"));
    for (const auto& [text, error] : std::vector<std::pair<std::string, std::string>>{
             {R"({"relations": {"birthplace": {"phrse": "x"}}})", "relation 'birthplace': unknown field 'phrse'"},
             {R"({"relations": {"birthplace": {"phrase": "the birthplace"}}})", "{subject} exactly once"},
             {R"({"relations": {"birthplace": {"phrase": "{subject} {subject}"}}})", "{subject} exactly once"},
             {R"({"relations": {"birthplace": {"answer": "yes"}}})", "'answer' must be true or false"},
             {R"({"relations": {"birthplace": []}})", "expected an object"},
             {R"({"birthplace": {}})", "expected {\"relations\""},
             {R"({"relations": {"birthplace": {"subject_type": "person"}}})",
              "facts.jsonl:1: subject_type 'city', but the relations file gives 'birthplace' the subject_type 'person'"}}) {
        const std::string rels = fx.write("relations.json", text);
        CHECK_THROWS_WITH_AS(load_user_corpus(fx.dir / "docs.jsonl", fx.dir / "facts.jsonl", rels), doctest::Contains(error.c_str()),
                             InvalidInput);
    }
    CHECK_THROWS_AS(load_user_corpus(fx.dir / "docs.jsonl", fx.dir / "facts.jsonl", (fx.dir / "missing.json").string()), IoError);
}
