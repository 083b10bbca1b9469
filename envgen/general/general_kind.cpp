#include "envgen/general/general_kind.hpp"

#include "envgen/general/general_env.hpp"
#include "common/errors.hpp"

namespace envforge {

namespace {

class GeneralKind final : public EnvKind {
public:
    std::string name() const override { return "general"; }
    std::string describe() const override { return "synthesized tools over a private SQLite database (domains: trip, retail, meeting)"; }
    Task synthesize(const SynthRequest& req) const override {
        const auto& all = general::domains();
        const general::Domain* d = all[req.index % all.size()];
        if (const Json* opt = req.options.find("domain"); opt && opt->is_string() && !opt->as_string().empty()) {
            d = general::find_domain(opt->as_string());
            if (!d) throw InvalidInput("--domain '" + opt->as_string() + "': expected trip, retail or meeting");
        }
        return d->synthesize(req.seed, req.difficulty);
    }
    std::unique_ptr<Environment> make_environment(const Task&) const override { return std::make_unique<general::GeneralEnvironment>(); }
};

}  // namespace

const EnvKind& general_kind() {
    static const GeneralKind kind;
    return kind;
}

}  // namespace envforge
