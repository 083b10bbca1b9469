// Command-line options for one sub-command: declared as a table, parsed strictly (unknown
// options and missing values are one-line errors), rendered as --help.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace envforge::cli {

struct OptSpec {
    const char* name;   // without dashes: "db"
    const char* value;  // value placeholder ("FILE"); nullptr for a flag
    const char* help;
    const char* fallback;  // default value, or nullptr
};

class Args {
public:
    // Throws InvalidInput on an unknown option or a missing value.
    // `more` is appended to `specs` (option groups shared by several commands).
    Args(std::string command, std::string summary, std::vector<OptSpec> specs, int argc, char** argv, bool positional_allowed = false,
         const std::vector<OptSpec>& more = {});

    bool help() const { return help_; }
    // Prints the usage to stdout when --help was given; the command then returns 0.
    bool print_help_if_asked() const;
    std::string usage() const;

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::string get(const std::string& name) const;  // value or the spec's default ("" if none)
    bool flag(const std::string& name) const { return has(name); }
    // Integer option within [lo, hi]; throws InvalidInput naming the option and the range.
    int64_t get_int(const std::string& name, int64_t lo, int64_t hi) const;
    // Finite number within [lo, hi]; throws InvalidInput naming the option and the range.
    double get_number(const std::string& name, double lo, double hi) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    const OptSpec* find(const std::string& name) const;
    std::string command_, summary_;
    std::vector<OptSpec> specs_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
    bool help_ = false;
};

// --device cpu|cuda|auto for the embedded engine: true for cuda (the GPU forward pass; the engine
// refuses it where no device is usable), and for auto where a device is usable. Default cpu: the
// GPU path has not yet run on a GPU (BENCHMARKS.md), so it is asked for, not assumed.
bool cuda_device_option(const Args& a);
inline constexpr OptSpec kDeviceOption{
    "device", "cpu|cuda|auto", "where the embedded model runs (cuda: the GPU forward pass on device 0; auto: cuda where one is usable)",
    "cpu"};

// --top-p: a probability mass in (0, 1], named in the error when it is not.
double top_p_option(const Args& a);

// Parses "3" or "1-5" into an inclusive range within [1, 5].
std::pair<int, int> parse_difficulty(const std::string& text);

}  // namespace envforge::cli
