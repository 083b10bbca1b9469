// The second computation of every --data question: its pandas program run in the sandbox, all
// of a batch in one interpreter (each in a namespace of its own), over the same table files the
// agent gets. What each program left in `result` comes back as JSON text.
#pragma once

#include <string>
#include <vector>

#include "envgen/interp/data_questions.hpp"

namespace envforge::interp {

struct ProgramResult {
    std::string result;  // JSON text of `result` (numbers, strings, lists); empty on error
    std::string error;   // the program's exception, or why the batch produced nothing
};

// One result per question, in order. Throws SandboxError when no sandbox can run.
std::vector<ProgramResult> run_reference_programs(const std::vector<const DataQuestion*>& questions, double timeout_seconds);

}  // namespace envforge::interp
