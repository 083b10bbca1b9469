// The JUnit XML the suite runner writes (envgen/code/junit_runner.py), read back: test outcomes
// and the attributes of its other elements (coverage). parse_junit is declared in code_project.hpp.
#pragma once

#include <string>
#include <string_view>

namespace envforge::code {

// An attribute of a start tag, quoted with " or ' (quoteattr picks ' when the value holds "),
// unescaped; "" when absent.
std::string junit_attr(std::string_view tag, std::string_view name);

}  // namespace envforge::code
