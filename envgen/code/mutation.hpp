// Mutants of a project's source, made on the parsed program by envgen/code/mutate.py in the
// sandbox's own interpreter (its ast is the one the tests run with).
#pragma once

#include <vector>

#include "envgen/code/code_project.hpp"

namespace envforge::code {

// Every candidate mutant of the project's source files (UTF-8 .py files of the source dirs,
// tests left out). Throws InvalidInput when the mutator fails.
std::vector<Mutant> make_mutants(const Project& p);

}  // namespace envforge::code
