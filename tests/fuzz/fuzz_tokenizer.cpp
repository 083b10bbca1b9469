// tokenizer.json, and when it loads, text through it and back.
#include "model/tokenizer.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] {
        const model::Tokenizer t = model::Tokenizer::parse(fuzz::text(data, size), "tokenizer.json");
        const auto ids = t.encode("Hello, world! 123 ünïcödé <think>");
        (void)t.decode(ids);
    });
    return 0;
}
