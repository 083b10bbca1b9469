#include "tools/cli/args.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/errors.hpp"
#include "kernels/cuda/dsa_cuda.hpp"

namespace envforge::cli {

Args::Args(std::string command, std::string summary, std::vector<OptSpec> specs, int argc, char** argv, bool positional_allowed,
           const std::vector<OptSpec>& more)
    : command_(std::move(command)), summary_(std::move(summary)), specs_(std::move(specs)) {
    specs_.insert(specs_.end(), more.begin(), more.end());
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            help_ = true;
            continue;
        }
        if (a == "-o") a = "--out";
        if (a.rfind("--", 0) != 0 || a.size() == 2) {
            if (!positional_allowed) throw InvalidInput("envforge " + command_ + ": unexpected argument '" + a + "' (see --help)");
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const OptSpec* spec = find(name);
        if (!spec) throw InvalidInput("envforge " + command_ + ": unknown option '--" + name + "' (see --help)");
        if (spec->value && !inline_value) {
            if (i + 1 >= argc) throw InvalidInput("envforge " + command_ + ": option '--" + name + "' needs a " + spec->value);
            value = argv[++i];
        }
        values_[name] = value;
    }
}

const OptSpec* Args::find(const std::string& name) const {
    for (const auto& s : specs_)
        if (name == s.name) return &s;
    return nullptr;
}

std::string Args::get(const std::string& name) const {
    if (auto it = values_.find(name); it != values_.end()) return it->second;
    const OptSpec* s = find(name);
    return s && s->fallback ? s->fallback : "";
}

int64_t Args::get_int(const std::string& name, int64_t lo, int64_t hi) const {
    std::string v = get(name);
    int64_t out = 0;
    auto res = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || res.ec != std::errc() || res.ptr != v.data() + v.size() || out < lo || out > hi)
        throw InvalidInput("envforge " + command_ + ": --" + name + " '" + v + "': expected an integer in " + std::to_string(lo) + ".." +
                           std::to_string(hi));
    return out;
}

double Args::get_number(const std::string& name, double lo, double hi) const {
    const std::string v = get(name);
    double out = 0;
    auto res = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || res.ec != std::errc() || res.ptr != v.data() + v.size() || !std::isfinite(out) || out < lo || out > hi) {
        char range[64];
        std::snprintf(range, sizeof range, "%g..%g", lo, hi);
        throw InvalidInput("envforge " + command_ + ": --" + name + " '" + v + "': expected a number in " + range);
    }
    return out;
}

bool cuda_device_option(const Args& a) {
    const std::string d = a.get("device");
    if (d != "cpu" && d != "cuda" && d != "auto") throw InvalidInput("--device: '" + d + "' is not cpu, cuda or auto");
    return d == "cuda" || (d == "auto" && kernels::cuda::available());
}

double top_p_option(const Args& a) {
    const double p = a.get_number("top-p", 0, 1);
    if (p <= 0) throw InvalidInput("--top-p '" + a.get("top-p") + "': expected a number in (0, 1]");
    return p;
}

bool Args::print_help_if_asked() const {
    if (help_) std::fputs(usage().c_str(), stdout);
    return help_;
}

std::string Args::usage() const {
    std::string s = "usage: envforge " + command_ + " [options]\n\n" + summary_ + "\n\noptions:\n";
    for (const auto& o : specs_) {
        std::string left = std::string("  --") + o.name + (o.value ? std::string(" ") + o.value : "");
        if (left.size() < 26) left.resize(26, ' ');
        else left += "  ";
        s += left + o.help;
        if (o.fallback && *o.fallback) s += std::string(" (default: ") + o.fallback + ")";
        s += "\n";
    }
    s += "  --help                  show this help\n";
    return s;
}

std::pair<int, int> parse_difficulty(const std::string& text) {
    int lo = 0, hi = 0;
    auto dash = text.find('-');
    auto parse = [&](std::string_view s, int& out) {
        auto res = std::from_chars(s.data(), s.data() + s.size(), out);
        return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
    };
    bool ok = dash == std::string::npos
                  ? parse(text, lo) && (hi = lo, true)
                  : parse(std::string_view(text).substr(0, dash), lo) && parse(std::string_view(text).substr(dash + 1), hi);
    if (!ok || lo < 1 || hi > 5 || lo > hi) throw InvalidInput("--difficulty '" + text + "': expected D or A-B with 1 <= A <= B <= 5");
    return {lo, hi};
}

}  // namespace envforge::cli
