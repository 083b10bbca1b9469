// What a repository says about itself without running anything: where it imports from and what
// it defines (its layout), its distribution name and version, and what a suite that cannot
// import is missing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "envgen/code/code_project.hpp"

namespace envforge::code {

std::string read_text(const std::filesystem::path& path);

// `key = "value"` in the given [section] of a TOML or INI file ("" when absent or not a literal).
std::string config_value(const std::string& text, const std::string& section, const std::string& key);

// Sets p.roots and p.own from p.source_dirs (see repo_layout.cpp).
void import_layout(Project& p);

// Sets p.dist_name and p.dist_version from pyproject.toml or setup.cfg.
void distribution(Project& p);

// Names what a suite that cannot import lacks ("" when the failures say nothing of it).
std::string missing_module_cause(const Project& p, const std::vector<const TestOutcome*>& failing);

}  // namespace envforge::code
