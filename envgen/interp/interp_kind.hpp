// The `interp` kind (code interpreter): problems solved by running Python in a warm sandboxed
// session (`python(code)`, at most 20 executions, 120 s per cell by default, as in DeepSeek's
// prompt) and `submit(answer)`. Answers are compared by type.
#pragma once

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& interp_kind();

namespace interp {
// Compares an answer with the expected one by type ("int", "float" within `tolerance`,
// "string" case-insensitively, "list" as sorted comma-separated items).
bool answers_match(const std::string& got, const std::string& expected, const std::string& type, double tolerance);
}  // namespace interp

}  // namespace envforge
