// The policies `run` and `generate` can drive, and the command-line options that configure the
// model-backed ones (embedded: a checkpoint; openai: a server).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/environment.hpp"
#include "tools/cli/args.hpp"

namespace envforge::cli {

std::vector<OptSpec> policy_option_specs();
// The options given for `policy` as JSON (recorded with the run); throws InvalidInput when a
// required one is missing (--model for embedded; --base-url and --model for openai).
Json policy_options(const Args& a, const std::string& policy);
// Throws InvalidInput for an unknown name.
void check_policy_name(const std::string& name);
std::unique_ptr<Policy> make_policy(const std::string& name, const Json& options = Json::object());

}  // namespace envforge::cli
