// The `interp` kind (code interpreter): problems solved by running Python in a warm sandboxed
// session (`python(code)`, at most 20 executions, 120 s per cell by default, as in DeepSeek's
// prompt) and `submit(answer)`. Answers are compared by type.
#pragma once

#include <boost/asio/io_context.hpp>

#include "envgen/kind.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge {

const EnvKind& interp_kind();

// The sandbox backend for environments that run programs (default native; `none` only when
// the user asks for it).
void set_sandbox_backend(sandbox::Backend backend);
sandbox::Backend sandbox_backend();
// The sandbox episodes on this io_context share: made on first use with the chosen backend,
// owned by the io_context (an Asio service) and gone with it.
sandbox::Sandbox& episode_sandbox(boost::asio::io_context& io);

namespace interp {
// Compares an answer with the expected one by type ("int", "float" within `tolerance`,
// "string" case-insensitively, "list" as sorted comma-separated items).
bool answers_match(const std::string& got, const std::string& expected, const std::string& type, double tolerance);
}  // namespace interp

}  // namespace envforge
