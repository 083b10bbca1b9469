// A model's completion text: reasoning, content and DSML tool calls, in both thinking modes.
#include "model/chat_encoding.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    for (auto mode : {model::ThinkingMode::Thinking, model::ThinkingMode::Chat})
        fuzz::expect_clean([&] { model::parse_completion(fuzz::text(data, size), mode); });
    return 0;
}
