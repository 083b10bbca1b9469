// Questions over a user's facts: a chain of typed hops from one named entity, read through each
// relation's phrase, with the reference solution that searches and opens each hop's document.
#pragma once

#include <cstdint>

#include "envgen/search/user_corpus.hpp"
#include "tasks/task.hpp"

namespace envforge::search {

// `difficulty` is the number of hops asked for. Where the facts have no chain that long from any
// subject, the task holds the longest one found and its difficulty says so (the verifier keeps
// "asked_hops").
Task synthesize_from_facts(const UserCorpus& corpus, uint64_t seed, int difficulty);

}  // namespace envforge::search
