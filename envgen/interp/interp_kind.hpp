// The `interp` kind (code interpreter): problems solved by running Python in a warm sandboxed
// session (`python(code)`, at most 20 executions, 120 s per cell by default, as in DeepSeek's
// prompt) and `submit(answer)`. Answers are compared by type.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& interp_kind();

namespace interp {
// One interp task: the question, the files of its working directory, the answer and how it is
// compared, the reference program (it prints the answer), and wrong answers for the probes.
struct TaskSpec {
    std::string generator;  // generator_name
    std::string version = "1";
    uint64_t seed = 0;
    int difficulty = 1;
    std::string question;
    std::map<std::string, std::string> files;
    std::string answer, answer_type;
    double tolerance = 0;
    std::string reference_code;
    std::vector<std::pair<std::string, std::string>> probes;  // name, wrong answer
    std::vector<std::string> must_keep;                       // what a model's rewrite must keep (verifier.must_keep)
};
Task make_task(const TaskSpec& spec);

// Compares an answer with the expected one by type ("int", "float" within `tolerance`,
// "string" case-insensitively, "list" as sorted comma-separated items).
bool answers_match(const std::string& got, const std::string& expected, const std::string& type, double tolerance);
}  // namespace interp

}  // namespace envforge
