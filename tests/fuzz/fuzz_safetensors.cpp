// A safetensors file (header, offsets, dtypes, shapes) loaded as a one-file checkpoint.
#include "model/safetensors.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::put("model.safetensors", fuzz::text(data, size));
    fuzz::expect_clean([&] {
        const model::Checkpoint c(fuzz::scratch());
        for (const auto& [name, t] : c.tensors()) (void)t.numel();
    });
    return 0;
}
