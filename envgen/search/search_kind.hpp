// The `search` kind: questions answered by searching a corpus with BM25 (`search`, `open`,
// `submit`). Options: world_seed, world_size (synthetic worlds), corpus and facts (users' files).
#pragma once

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& search_kind();

namespace search {
// True when the task's answer document is the top BM25 hit for the question text verbatim.
bool verbatim_top_hit(const Task& task);
}  // namespace search

}  // namespace envforge
