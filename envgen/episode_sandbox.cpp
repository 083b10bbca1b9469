#include "envgen/episode_sandbox.hpp"

#include <memory>
#include <mutex>

#include "common/errors.hpp"

namespace envforge {

namespace {

// Chosen once, before any episode runs (the command line's --sandbox).
sandbox::Backend g_backend = sandbox::Backend::Native;

// The io_context's Sandbox, as an Asio service: the io_context owns it and destroys it (at
// shutdown, before the io_context itself), so a Sandbox never outlives the io_context it uses,
// and a later io_context never meets a stale one (a map keyed by address once could: validate
// and run put their io_contexts at the same stack address).
class SandboxService final : public boost::asio::execution_context::service {
public:
    static boost::asio::execution_context::id id;
    explicit SandboxService(boost::asio::execution_context& ctx) : service(ctx) {}
    sandbox::Sandbox& get(boost::asio::io_context& io) {
        std::lock_guard lock(mu_);
        if (!box_) {
            try {
                box_ = std::make_unique<sandbox::Sandbox>(io, g_backend, 64);
            } catch (const SandboxError& e) {
                throw SandboxError(std::string(e.what()) + " (use --sandbox none to run without isolation)");
            }
        }
        return *box_;
    }

private:
    void shutdown() override { box_.reset(); }
    std::mutex mu_;
    std::unique_ptr<sandbox::Sandbox> box_;
};

boost::asio::execution_context::id SandboxService::id;

}  // namespace

sandbox::Sandbox& episode_sandbox(boost::asio::io_context& io) { return boost::asio::use_service<SandboxService>(io).get(io); }

void set_sandbox_backend(sandbox::Backend backend) { g_backend = backend; }
sandbox::Backend sandbox_backend() { return g_backend; }

}  // namespace envforge
