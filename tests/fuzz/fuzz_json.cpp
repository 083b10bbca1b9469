// JSON: parse, then dump and parse again must give the same value and the same text.
#include "common/json.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    Json v;
    try {
        v = Json::parse(fuzz::text(data, size));
    } catch (const InvalidInput&) {
        return 0;
    }
    const std::string once = v.dump();
    const Json again = Json::parse(once);
    if (!(again == v) || again.dump() != once || again.dump_canonical() != v.dump_canonical()) __builtin_trap();
    return 0;
}
