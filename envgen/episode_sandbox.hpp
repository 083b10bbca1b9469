// The sandbox that episodes of every kind that runs programs share (interp, code, packages):
// which backend (chosen once by the command line's --sandbox), and the one Sandbox per
// io_context, owned by that io_context so it can never outlive the loop it runs on.
#pragma once

#include <boost/asio/io_context.hpp>

#include "sandbox/sandbox.hpp"

namespace envforge {

// The sandbox backend for environments that run programs (default native; `none` only when
// the user asks for it).
void set_sandbox_backend(sandbox::Backend backend);
sandbox::Backend sandbox_backend();

// The sandbox episodes on this io_context share: made on first use with the chosen backend,
// owned by the io_context (an Asio service) and gone with it.
sandbox::Sandbox& episode_sandbox(boost::asio::io_context& io);

}  // namespace envforge
