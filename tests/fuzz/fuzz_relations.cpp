// A relations file of a user's corpus (how each relation reads in a question).
#include "envgen/search/user_corpus.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    const std::string path = fuzz::put("relations.json", fuzz::text(data, size));
    fuzz::expect_clean([&] { search::read_relations(path); });
    return 0;
}
