// A frame body from the sandboxed session agent; what decodes must encode back to itself.
#include "sandbox/session_frame.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    const auto fields = sandbox::decode_frame_body(fuzz::text(data, size));
    if (!fields) return 0;
    const std::string frame = sandbox::encode_frame(*fields);
    if (sandbox::frame_length(frame.data()) != size || frame.compare(4, std::string::npos, fuzz::text(data, size)) != 0) __builtin_trap();
    (void)sandbox::field(*fields, "id");
    return 0;
}
