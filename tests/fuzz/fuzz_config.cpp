// A checkpoint's config.json.
#include "model/config.hpp"
#include "common/json.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] { model::parse_config(Json::parse(fuzz::text(data, size), "config.json")); });
    return 0;
}
