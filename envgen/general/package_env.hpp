// The environment of a package task (see package.hpp): the package's files in the episode's
// private directory, its tools and verifier run by package_runtime.py in a sandboxed session.
#pragma once

#include <memory>

#include "tasks/environment.hpp"

namespace envforge::general {

std::unique_ptr<Environment> make_package_environment();

}  // namespace envforge::general
