// The `general` kind: synthesized tools over a private database, in three domains (trip,
// retail, meeting), round-robin by batch index unless options.domain names one.
#pragma once

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& general_kind();

}  // namespace envforge
