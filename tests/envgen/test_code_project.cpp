// The code kind's plumbing: JUnit reports as Python's quoteattr writes them, files that are not
// UTF-8 kept exactly through task JSON, runner configs as tasks store them.
#include <doctest/doctest.h>

#include "envgen/code/code_env.hpp"
#include "envgen/code/code_project.hpp"

using namespace envforge;
using namespace envforge::code;

TEST_CASE("code: JUnit attributes in single quotes (quoteattr's choice when a value holds \") are read") {
    const std::string xml =
        "<testsuite name=\"envforge\" runner=\"unittest\">\n"
        "<testcase id='tests.test_x.T.test_\"quoted\"' classname='tests.test_x.T' name='test_\"quoted\"' status=\"failed\" "
        "time=\"0.0100\">\n"
        "<failure message='AssertionError: 5 != 6 : clamp said \"too big\"'/>\n</testcase>\n"
        "<testcase id=\"tests.test_x.T.test_ok\" classname=\"tests.test_x.T\" name=\"test_ok\" status=\"passed\" "
        "time=\"1.5000\">\n</testcase>\n"
        "<testcase id=\"tests.test_x.T.test_known\" classname=\"tests.test_x.T\" name=\"test_known\" status=\"xfail\" time=\"0\">\n"
        "<skipped message=\"\"/>\n</testcase>\n"
        "<testcase classname=\"legacy.Case\" name=\"test_old\">\n<skipped message=\"no &quot;x&quot; here\"/>\n</testcase>\n</testsuite>";
    const auto tests = parse_junit(xml);
    REQUIRE(tests.size() == 4);
    CHECK(tests[0].id == "tests.test_x.T.test_\"quoted\"");
    CHECK(tests[0].status == "failed");
    CHECK(tests[0].message == "AssertionError: 5 != 6 : clamp said \"too big\"");
    CHECK(tests[1].seconds == doctest::Approx(1.5));
    CHECK(tests[2].status == "xfail");
    CHECK(tests[2].neutral());
    CHECK(tests[3].id == "legacy.Case.test_old");  // a report without id and status
    CHECK(tests[3].status == "skipped");
    CHECK(tests[3].message == "no \"x\" here");
}

TEST_CASE("code: files that are not UTF-8 survive task JSON byte for byte") {
    Files files{{"a.py", "print('café')\n"},
                {"data/latin1.txt", std::string("caf\xe9", 4)},
                {"bin/blob", std::string("\0\xff\x80\x01", 4)},
                {"empty", ""}};
    const Json j = files_to_json(files);
    CHECK(j.at("a.py").is_string());
    CHECK(j.at("data/latin1.txt").get_string("base64") == "Y2Fm6Q==");
    const Json reparsed = Json::parse(j.dump());  // valid JSON, whatever the bytes
    CHECK(files_from_json(reparsed) == files);
}

TEST_CASE("code: runner configs round-trip through a task's env") {
    Json env = Json::object({{"files", Json::object({{"pkg/a.py", "x = 1\n"}})},
                             {"source_dirs", Json(JsonArray{Json("pkg")})},
                             {"runner", "pytest"},
                             {"test_dir", "tests"},
                             {"roots", Json(JsonArray{Json("src")})},
                             {"own", Json(JsonArray{Json("pkg"), Json("pkg2")})},
                             {"dist", Json(JsonArray{Json("pkg"), Json("1.0")})}});
    const RunnerConfig c = CodeEnv::from_json(env).runner_config();
    CHECK(c.runner == "pytest");
    CHECK(c.roots == std::vector<std::string>{"src"});
    CHECK(c.own == std::vector<std::string>{"pkg", "pkg2"});
    CHECK(c.dist_name == "pkg");
    CHECK(c.to_json().at("dist").dump() == "[\"pkg\",\"1.0\"]");
    env.erase("roots");
    CHECK(CodeEnv::from_json(env).runner_config().roots == std::vector<std::string>{"."});  // tasks from before roots were stored
    CHECK(CodeEnv::from_json(CodeEnv::from_json(env).to_json()).to_json() == CodeEnv::from_json(env).to_json());
    CHECK(in_test_dir("pkg/tests/test_a.py", "pkg/tests"));
    CHECK_FALSE(in_test_dir("pkg/testsuite.py", "pkg/tests"));
    CHECK_FALSE(in_test_dir("anything.py", "."));
}
