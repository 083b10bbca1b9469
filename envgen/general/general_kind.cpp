#include "envgen/general/general_kind.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "envgen/general/general_env.hpp"
#include "envgen/general/package.hpp"
#include "envgen/general/package_env.hpp"
#include "common/errors.hpp"

namespace envforge {

namespace {

class GeneralKind final : public EnvKind {
public:
    std::string name() const override { return "general"; }
    std::string describe() const override { return "synthesized tools over a private SQLite database (domains: trip, retail, meeting)"; }
    Task synthesize(const SynthRequest& req) const override {
        if (const Json* pkg = req.options.find("package"); pkg && pkg->is_string()) {
            const auto p = package(pkg->as_string());
            if (req.index >= p->tasks.size())
                throw InvalidInput("package '" + p->name + "' has " + std::to_string(p->tasks.size()) + " tasks; task " +
                                   std::to_string(req.index + 1) + " was asked for");
            return general::package_task(*p, req.index, req.seed);
        }
        const auto& all = general::domains();
        const general::Domain* d = all[req.index % all.size()];
        if (const Json* opt = req.options.find("domain"); opt && opt->is_string() && !opt->as_string().empty()) {
            d = general::find_domain(opt->as_string());
            if (!d) throw InvalidInput("--domain '" + opt->as_string() + "': expected trip, retail or meeting");
        }
        return d->synthesize(req.seed, req.difficulty);
    }
    void check_env(const Task& task) const override { general::GeneralEnv::from_json(task.env); }
    std::unique_ptr<Environment> make_environment(const Task& t) const override {
        if (t.env.get_string("domain") == "package") return general::make_package_environment();
        return std::make_unique<general::GeneralEnvironment>();
    }

private:
    // Read once per process: synthesis asks for each of its tasks in turn.
    static std::shared_ptr<const general::Package> package(const std::string& dir) {
        static std::mutex mu;
        static std::map<std::string, std::shared_ptr<const general::Package>> cache;
        std::lock_guard lock(mu);
        auto& slot = cache[dir];
        if (!slot) slot = std::make_shared<general::Package>(general::load_package(dir));
        return slot;
    }
};

}  // namespace

const EnvKind& general_kind() {
    static const GeneralKind kind;
    return kind;
}

}  // namespace envforge
