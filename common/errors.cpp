#include "common/errors.hpp"

#include <cstdio>
#include <cstdlib>

namespace envforge {

void assert_fail(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "envforge: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace envforge
