// The body of a chat-completions request as `envforge serve` reads it, then rendered to the
// prompt the model would see.
#include "model/chat_encoding.hpp"
#include "model/openai_chat.hpp"
#include "common/json.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] { model::openai_chat_from_request(Json::parse(fuzz::text(data, size), "request")); });
    return 0;
}
