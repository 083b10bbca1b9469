// Search tasks: a deterministic world with planted near-twins, a corpus that states every fact
// where the reference reads it, BM25 search, unique answers, probes, and users' corpora.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <filesystem>
#include <fstream>

#include "envgen/kind.hpp"
#include "envgen/search/questions.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/search/search_kind.hpp"
#include "envgen/search/world_cache.hpp"
#include "tasks/episode_runner.hpp"
#include "common/errors.hpp"
#include "tasks/scripted_policy.hpp"
#include "tests/play_script.hpp"

using namespace envforge;
using namespace envforge::search;

namespace {

Task synth(int d, uint64_t seed, Json options = Json::object()) {
    SynthRequest req;
    req.seed = seed;
    req.difficulty = d;
    req.options = std::move(options);
    return require_kind("search").synthesize(req);
}

using envforge::testing::play;

}  // namespace

TEST_CASE("search world: deterministic, with planted twins") {
    World a = generate_world(9, 300), b = generate_world(9, 300);
    REQUIRE(a.entities.size() == b.entities.size());
    for (size_t i = 0; i < a.entities.size(); ++i) CHECK(a.entities[i].name == b.entities[i].name);
    int namesakes = 0, org_twins = 0, place_twins = 0;
    for (const auto& e : a.entities) {
        if (e.namesake >= 0) {
            ++namesakes;
            CHECK(a.at(e.namesake).name == e.name);
            CHECK(a.at(e.namesake).year != e.year);
        }
        if (e.type == EType::Org && e.twin >= 0) {
            ++org_twins;
            CHECK(a.at(e.twin).get(Rel::BasedIn) == e.get(Rel::BasedIn));  // similar company, same city
        }
        if (e.type == EType::Place && e.twin >= 0) ++place_twins;
        for (size_t r = 0; r < kRelCount; ++r)
            if (e.rel[r] >= 0) CHECK(a.at(e.rel[r]).type == rel_object(static_cast<Rel>(r)));
    }
    CHECK(namesakes >= 10);
    CHECK(org_twins >= 5);
    CHECK(place_twins >= 3);
    CHECK(generate_world(10, 300).entities[5].name != a.entities[5].name);
}

TEST_CASE("search world: nobody creates a work or wins an event before the age of 15") {
    for (uint64_t seed : {1, 2, 3}) {
        const World w = generate_world(seed, 2000);
        int works = 0, events = 0;
        for (const Entity& e : w.entities) {
            const Rel r = e.type == EType::Work ? Rel::CreatedBy : e.type == EType::Event ? Rel::WonBy : Rel::WorksFor;
            if ((e.type != EType::Work && e.type != EType::Event) || e.get(r) < 0) continue;
            const Entity& person = w.entities[static_cast<size_t>(e.get(r))];
            CAPTURE(e.name);
            CHECK(person.year + 15 <= e.year);
            (e.type == EType::Work ? works : events)++;
        }
        CHECK(works > 100);
        CHECK(events > 10);
    }
}

TEST_CASE("search world: a work's creator has the occupation that makes it") {
    // Written out here, not read from the generator: a painter paints, a composer writes symphonies.
    const std::map<std::string, std::set<std::string>> makers = {{"novel", {"novelist"}},
                                                                 {"painting", {"painter"}},
                                                                 {"symphony", {"composer"}},
                                                                 {"atlas", {"cartographer"}},
                                                                 {"bridge design", {"engineer", "architect"}},
                                                                 {"monograph", {"chemist", "botanist", "physician"}},
                                                                 {"sculpture", {"sculptor"}}};
    for (uint64_t seed : {1, 2, 3}) {
        const World w = generate_world(seed, 2000);
        std::map<std::string, int> kinds;
        for (int id : w.of(EType::Work)) {
            const Entity& work = w.at(id);
            const Entity& creator = w.at(work.get(Rel::CreatedBy));
            CAPTURE(work.name);
            REQUIRE(makers.count(work.category));
            CHECK(makers.at(work.category).count(creator.category));
            ++kinds[work.category];
        }
        CHECK(kinds.size() == makers.size());
    }
}

TEST_CASE("search: intersection questions read as English") {
    int seen = 0;
    for (uint64_t seed = 1; seed <= 80; ++seed) {
        Task t = synth(2, seed);
        if (t.verifier.get_string("shape") != "intersection") continue;
        ++seen;
        CAPTURE(t.prompt);
        // "Which painter was born in X [between A and B] [and worked for a Y]?": one verb per fact,
        // no dangling participles or relative clauses after a comma.
        CHECK(t.prompt.rfind("Which ", 0) == 0);
        CHECK((t.prompt.find(" was born ") != std::string::npos || t.prompt.find(" worked for ") != std::string::npos));
        CHECK(t.prompt.find(", born") == std::string::npos);
        CHECK(t.prompt.find(" who ") == std::string::npos);
        CHECK(t.prompt.find(", ") == std::string::npos);
    }
    CHECK(seen > 5);
}

TEST_CASE("search corpus: every relation is stated in the document recorded for it") {
    auto b = get_world(3, 200);
    const World& w = b->world;
    int checked = 0;
    for (const auto& e : w.entities)
        for (size_t r = 0; r < kRelCount; ++r) {
            if (e.rel[r] < 0) continue;
            const Doc& d = b->corpus.docs[static_cast<size_t>(b->corpus.rel_doc[static_cast<size_t>(e.id)][r])];
            CHECK(d.text.find(display_name(w.at(e.rel[r]))) != std::string::npos);
            ++checked;
        }
    CHECK(checked > 500);
    for (const auto& d : b->corpus.docs) CHECK(d.text.find(" a engineering") == std::string::npos);
}

TEST_CASE("search index: BM25 finds titles first, pages cover the text") {
    auto b = get_world(3, 200);
    auto db = open_index(b->key);
    const Entity& org = b->world.at(b->world.of(EType::Org)[0]);
    auto hits = search_index(*db, org.name, 5);
    REQUIRE(!hits.empty());
    CHECK(hits[0].title.find(org.name) != std::string::npos);
    CHECK(search_index(*db, "!!! ???", 5).empty());
    CHECK(fts_query("Who founded \"X\"? who") == "\"who\" OR \"founded\" OR \"x\"");
    std::string text;
    for (int i = 0; i < 500; ++i) text += "word" + std::to_string(i) + " ";
    auto pages = paginate(text);
    CHECK(pages.size() > 2);
    size_t covered = 0;
    for (auto [off, len] : pages) {
        CHECK(off == covered);
        covered += len;
    }
    CHECK(covered == text.size());
    CHECK(page_of(text, "word499") == static_cast<int>(pages.size()));
}

TEST_CASE("search: synthesis is deterministic and probes give their expected verdicts") {
    for (int d = 1; d <= 5; ++d)
        for (uint64_t seed = 1; seed <= 12; ++seed) {
            Task t = synth(d, seed * 31 + static_cast<uint64_t>(d));
            CHECK(synth(d, seed * 31 + static_cast<uint64_t>(d)).dump() == t.dump());
            for (const auto& p : all_probes(t)) {
                Episode ep = play(t, p.script);
                INFO("d" << d << " seed " << seed << " " << p.name << " " << t.prompt << " " << ep.verdict.details.dump());
                CHECK(ep.verdict.passed == p.expect_pass);
            }
        }
}

TEST_CASE("search: answers are unique in the world") {
    auto b = get_world(1, 400);
    const World& w = b->world;
    for (uint64_t seed = 1; seed <= 60; ++seed) {
        Task t = synth(2, seed);
        if (t.verifier.get_string("shape") != "intersection") continue;
        // Recount independently: people whose name is the answer must be exactly one.
        int same_name = 0;
        for (int id : w.of(EType::Person)) same_name += w.at(id).name == t.verifier.get_string("answer");
        CHECK(same_name == 1);
    }
}

TEST_CASE("search: difficulty makes the verbatim question a worse query") {
    int hits[6] = {}, n[6] = {};
    for (int d = 1; d <= 5; ++d)
        for (uint64_t seed = 1; seed <= 40; ++seed) {
            Task t = synth(d, 1000 + seed);
            hits[d] += verbatim_top_hit(t);
            ++n[d];
        }
    CHECK(hits[1] > hits[3]);
    for (int d = 3; d <= 5; ++d) CHECK(hits[d] * 10 < n[d]);  // under 10%
}

TEST_CASE("search: aliases are accepted, twins are not") {
    int checked = 0;
    for (uint64_t seed = 1; seed <= 80 && checked < 5; ++seed) {
        Task t = synth(1, seed);
        const auto& aliases = t.verifier.at("aliases").as_array();
        if (aliases.size() < 2) continue;
        ++checked;
        auto base = t.reference_turns();
        base.pop_back();
        for (const auto& alias : aliases) {
            auto s = base;
            s.push_back({"", {{"submit", Json::object({{"answer", alias.as_string() + "."}})}}});
            CHECK(play(t, s).verdict.passed);
        }
    }
    CHECK(checked > 0);
}

TEST_CASE("search: normalised answers") {
    CHECK(normalize_answer("  The Glass Harbour. ") == "glass harbour");
    CHECK(normalize_answer("Sosford-Printing House") == "sosford printing house");
    CHECK(normalize_answer("") == "");
}

TEST_CASE("search: users' corpora with facts") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "envforge-test-corpus";
    fs::create_directories(dir);
    {
        std::ofstream docs(dir / "docs.jsonl");
        docs << R"({"id":"a","title":"Ada Quill","text":"Ada Quill was born in Porthmere. She founded Quill Works."})"
             << "\n"
             << R"({"id":"b","title":"Porthmere","text":"Porthmere is a harbour town in the county of Welmsfold."})"
             << "\n"
             << R"({"id":"c","title":"Quill Works","text":"Quill Works makes pens."})"
             << "\n";
        std::ofstream facts(dir / "facts.jsonl");
        facts << R"({"subject":"Ada Quill","relation":"birthplace","object":"Porthmere","doc_id":"a"})"
              << "\n"
              << R"({"subject":"Porthmere","relation":"county","object":"Welmsfold","doc_id":"b"})"
              << "\n"
              << R"({"subject":"Quill Works","relation":"county","object":"Welmsbury","doc_id":"c"})"
              << "\n";
    }
    Json opts = Json::object({{"corpus", (dir / "docs.jsonl").string()}, {"facts", (dir / "facts.jsonl").string()}});
    bool saw_two_hops = false;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        Task t = synth(2, seed, opts);
        CHECK(t.generator_name == "search.facts");
        if (t.verifier.get_int("hops") == 2) {
            saw_two_hops = true;
            CHECK(t.prompt == "What is the county of the birthplace of Ada Quill? Answer with just the name or number.");
            CHECK(t.verifier.get_string("answer") == "Welmsfold");
        }
        for (const auto& p : all_probes(t)) CHECK(play(t, p.script).verdict.passed == p.expect_pass);
    }
    CHECK(saw_two_hops);
    Json no_facts = Json::object({{"corpus", (dir / "docs.jsonl").string()}});
    CHECK_THROWS_WITH_AS(synth(1, 1, no_facts), doctest::Contains("without --facts"), InvalidInput);
    std::ofstream(dir / "bad.jsonl") << R"({"id":"x"})"
                                     << "\n";
    Json bad = Json::object({{"corpus", (dir / "bad.jsonl").string()}, {"facts", (dir / "facts.jsonl").string()}});
    CHECK_THROWS_WITH_AS(synth(1, 1, bad), doctest::Contains("bad.jsonl:1: expected a non-empty string field 'text'"), InvalidInput);
    fs::remove_all(dir);
}
