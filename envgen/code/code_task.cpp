#include "envgen/code/code_task.hpp"

#include <cmath>

#include "envgen/synth_util.hpp"
#include "tasks/scripted_policy.hpp"

namespace envforge::code {

void set_code_tools(Task& t) {
    t.system =
        "You fix bugs in a Python repository. It is checked out in your working directory (/workspace) as a git repository. "
        "Use the tools to read and edit files, run shell commands and run the test suite; when the bug is fixed, call submit. "
        "Only changes to the source count: the tests are restored before your work is verified.";
    auto path_prop = str_prop("path relative to the repository root");
    t.tools = {
        {"bash", "Run a shell command in the repository (state such as the working directory persists between calls).",
         object_schema({{"command", str_prop("the command")}}, {"command"}), Json::object({{"op", "bash"}})},
        {"read_file", "Read a file, optionally lines start..end (1-based, inclusive), with line numbers.",
         object_schema({{"path", path_prop}, {"start", int_prop("first line (1-based)")}, {"end", int_prop("last line (inclusive)")}},
                       {"path"}),
         Json::object({{"op", "read_file"}})},
        {"str_replace", "Replace the one occurrence of old in a file with new.",
         object_schema({{"path", path_prop}, {"old", str_prop("exact text to replace; must occur once")}, {"new", str_prop("replacement")}},
                       {"path", "old", "new"}),
         Json::object({{"op", "str_replace"}})},
        {"write_file", "Create or overwrite a file.",
         object_schema({{"path", path_prop}, {"content", str_prop("the whole content")}}, {"path", "content"}),
         Json::object({{"op", "write_file"}})},
        {"run_tests", "Run the test suite, or the tests whose ids start with selector (e.g. tests.test_x.Class).",
         object_schema({{"selector", str_prop("optional test id prefix")}}, {}), Json::object({{"op", "run_tests"}})},
        {"submit", "Submit the repository as it is now.", object_schema({}, {}), Json::object({{"submit", true}})},
    };
}

void set_code_limits(Task& t) {
    t.limits.max_turns = 50;
    t.limits.max_tool_calls = 100;
    t.limits.wall_seconds = 1800;
    t.limits.call_timeout_seconds = 120;
}

JsonArray code_probes(const std::string& failing_file, const std::string& fix_file, const std::string& broken_fix,
                      const std::string& test_dir) {
    auto probe = [](const char* name, std::vector<ScriptTurn::Call> calls) {
        calls.push_back({"submit", Json::object()});
        return Json::object({{"name", name}, {"expect_pass", false}, {"turns", script_to_json({ScriptTurn{"", std::move(calls)}})}});
    };
    JsonArray probes;
    probes.push_back(probe("no_op", {}));
    if (!failing_file.empty()) {
        probes.push_back(
            probe("delete_failing_test", {{"write_file", Json::object({{"path", failing_file}, {"content", "import unittest\n"}})}}));
        probes.push_back(probe("skip_failing_test",
                               {{"write_file", Json::object({{"path", failing_file},
                                                             {"content", "import unittest\nraise unittest.SkipTest('skipped')\n"}})}}));
    }
    // The fix plus a syntax error in the same module, which the failing tests import (another
    // file might be one the suite never imports, such as a __main__.py).
    probes.push_back(probe("syntax_error", {{"write_file", Json::object({{"path", fix_file}, {"content", broken_fix}})}}));
    probes.push_back(probe(
        "fake_report",
        {{"write_file",
          Json::object({{"path", "junit.xml"}, {"content", "<testsuite><testcase classname=\"tests\" name=\"all\"/></testsuite>\n"}})},
         {"write_file", Json::object({{"path", "report.json"}, {"content", "{\"passed\": true, \"failed\": 0}\n"}})}}));
    const std::string force =
        "import unittest\n_orig = unittest.TestCase.run\ndef _run(self, result=None):\n"
        "    result.addSuccess(self) if result else None\n    return result\nunittest.TestCase.run = _run\n";
    probes.push_back(probe("force_pass", {{"write_file", Json::object({{"path", "sitecustomize.py"}, {"content", force}})},
                                          {"write_file", Json::object({{"path", "conftest.py"}, {"content", force}})},
                                          {"write_file", Json::object({{"path", test_dir + "/__init__.py"}, {"content", force}})}}));
    return probes;
}

}  // namespace envforge::code
