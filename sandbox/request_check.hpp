// Checks of a request before anything is touched, and handing its workdir to the slot's uid.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

// Why `req` cannot be run as given ("" when it can): empty commands, NUL bytes, relative paths,
// malformed environment entries, a workdir that is not a private directory of ours.
std::string request_problem(const Request& req);

// Gives the slot uid a workdir to write in, without following any symlink inside it.
void adopt_tree(const std::string& dir, uid_t uid, gid_t gid);

}  // namespace envforge::sandbox
