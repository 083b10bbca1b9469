// What the host offers the sandbox (probe_host, declared in sandbox.hpp), where the launcher is,
// and the per-slot network namespaces that root prepares.
#pragma once

#include <string>

namespace envforge::sandbox {

// The launcher beside this executable (or in the build tree), or $ENVFORGE_SANDBOX_LAUNCHER;
// "" when not found.
std::string find_launcher();

// A network namespace with loopback up, kept alive by the returned descriptor (-1 on failure).
int make_netns();

}  // namespace envforge::sandbox
