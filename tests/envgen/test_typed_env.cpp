// Each kind's typed environment is the whole of Task::env: what synthesis wrote comes back from
// from_json and goes out again by to_json unchanged (members, values and their order), and a
// malformed member is an InvalidInput that names it.
#include <doctest/doctest.h>

#include "common/errors.hpp"
#include "envgen/code/code_env.hpp"
#include "envgen/general/world.hpp"
#include "envgen/interp/interp_env.hpp"
#include "envgen/kind.hpp"
#include "envgen/search/search_env.hpp"

using namespace envforge;

namespace {

std::vector<Task> synthesized(const char* kind, Json options, int n) {
    std::vector<Task> out;
    for (int i = 0; i < n; ++i) {
        SynthRequest req;
        req.seed = 1000 + static_cast<uint64_t>(i);
        req.difficulty = 1 + i % 5;
        req.index = static_cast<size_t>(i);
        req.options = options;
        out.push_back(require_kind(kind).synthesize(req));
    }
    return out;
}

// The exception's message, or "" when `f` does not throw InvalidInput.
template <class F>
std::string invalid(F&& f) {
    try {
        f();
    } catch (const InvalidInput& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("typed env: general, search and interp tasks round-trip through their structs unchanged") {
    for (const Task& t : synthesized("general", Json::object(), 15)) {
        CHECK(general::GeneralEnv::from_json(t.env).to_json().dump() == t.env.dump());
        CHECK_NOTHROW(require_kind("general").check_env(t));
    }
    for (const Task& t : synthesized("search", Json::object({{"world_size", 40}}), 10))
        CHECK(search::SearchEnv::from_json(t.env).to_json().dump() == t.env.dump());
    for (const Task& t : synthesized("interp", Json::object(), 15))
        CHECK(interp::InterpEnv::from_json(t.env).to_json().dump() == t.env.dump());
}

TEST_CASE("typed env: a code env with every member round-trips, binary files included") {
    code::CodeEnv e;
    e.files = {{"pkg/a.py", "x = 1\n"}, {"pkg/data.bin", std::string("\xff\x00\x01", 3)}, {"tests/test_a.py", "import pkg\n"}};
    e.source_dirs = {"pkg"};
    e.runner = "pytest";
    e.roots = {"src", "."};
    e.own = {"pkg"};
    e.test_timeout = 90;
    e.dist_name = "pkg";
    e.dist_version = "1.2";
    e.test_limits = {{"tests.test_a.test_slow", 31}};
    e.test_patterns = std::vector<std::string>{"test_*.py"};
    const Json j = e.to_json();
    const code::CodeEnv back = code::CodeEnv::from_json(j);
    CHECK(back.files == e.files);
    CHECK(back.test_limits == e.test_limits);
    CHECK(back.test_patterns == e.test_patterns);
    CHECK(back.to_json().dump() == j.dump());
    const code::RunnerConfig rc = back.runner_config();
    CHECK(rc.runner == "pytest");
    CHECK(rc.limits.at("tests.test_a.test_slow") == 31);
}

TEST_CASE("typed env: a malformed member is one InvalidInput naming it") {
    code::CodeEnv minimal;
    minimal.files = {{"a.py", "x"}};
    minimal.source_dirs = {"."};
    Json code_env = minimal.to_json();
    code_env.set("runner", "bash");
    CHECK(invalid([&] { code::CodeEnv::from_json(code_env); }).find("env.runner") == 0);
    code_env.set("runner", "unittest");
    code_env.set("test_timeout", "soon");
    CHECK(invalid([&] { code::CodeEnv::from_json(code_env); }) == "env.test_timeout: expected a number, got string");
    CHECK(invalid([&] {
              interp::InterpEnv::from_json(Json::object({{"files", Json::object({{".hidden", "x"}})}}));
          }).find("env.files['.hidden']") == 0);
    CHECK(invalid([&] { search::SearchEnv::from_json(Json::object({{"index", "abc"}})); }) == "env.corpus: missing");
    CHECK(invalid([&] { general::GeneralEnv::from_json(Json(JsonArray{})); }) == "env: expected an object, got array");
    CHECK(invalid([&] {
              general::GeneralEnv::from_json(Json::object({{"domain", "trip"}, {"tables", Json::object()}}));
          }) == "env.tables: expected an array of tables");
}
