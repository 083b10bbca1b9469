// Question synthesis over a world: chains of relations, constraint intersections, comparisons
// and aggregates, each checked against the world to have exactly one answer, with a reference
// solution of search/open calls that reaches it and the negative probes.
#pragma once

#include <string>

#include "envgen/search/world_cache.hpp"
#include "tasks/task.hpp"

namespace envforge::search {

// Task for question seed `seed` at `difficulty` over a synthetic world.
Task synthesize_question(const WorldBundle& bundle, uint64_t seed, int difficulty);

// Answer normalisation: lowercase, punctuation to spaces, a leading article dropped, spaces
// collapsed. Number answers compare by their first integer.
std::string normalize_answer(std::string_view s);

// A search task with the shared tools and system prompt; the caller fills prompt, env,
// verifier, reference and limits.
Task search_task(const char* generator, uint64_t seed, int difficulty);

// The search tools and prompts shared by synthetic and user corpora.
std::vector<ToolSpec> search_tools();
std::string search_system_prompt();

}  // namespace envforge::search
