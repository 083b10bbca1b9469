#include "sandbox/launch_config.hpp"

#include <sstream>
#include <stdexcept>

namespace envforge::sandbox {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\0') out += "\\0";
        else out.push_back(c);
    }
    return out;
}

std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out.push_back(s[i]);
            continue;
        }
        char n = s[++i];
        out.push_back(n == 'n' ? '\n' : n == '0' ? '\0' : n);
    }
    return out;
}

}  // namespace

std::string LaunchConfig::serialize() const {
    std::ostringstream o;
    o << "mode " << mode << "\n";
    for (const auto& a : argv) o << "arg " << escape(a) << "\n";
    for (const auto& e : env) o << "env " << escape(e) << "\n";
    for (const auto& c : cgroups) o << "cgroup " << escape(c) << "\n";
    o << "workdir " << escape(workdir) << "\ncwd " << escape(cwd) << "\nuid " << uid << "\ngid " << gid << "\ncpu " << cpu_seconds
      << "\nmemory " << memory_bytes << "\nnproc " << nproc << "\nfsize " << file_bytes << "\nnofile " << open_files << "\ntmp "
      << tmp_bytes << "\nsession " << (session ? 1 : 0) << "\nnetns " << (netns ? 1 : 0) << "\nsupervisor " << supervisor << "\n";
    return o.str();
}

LaunchConfig LaunchConfig::parse(const std::string& text) {
    LaunchConfig c;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        std::string key = line.substr(0, sp), value = sp == std::string::npos ? "" : unescape(line.substr(sp + 1));
        if (key == "mode") c.mode = value;
        else if (key == "arg") c.argv.push_back(value);
        else if (key == "env") c.env.push_back(value);
        else if (key == "cgroup") c.cgroups.push_back(value);
        else if (key == "workdir") c.workdir = value;
        else if (key == "cwd") c.cwd = value;
        else if (key == "uid") c.uid = std::stoll(value);
        else if (key == "gid") c.gid = std::stoll(value);
        else if (key == "cpu") c.cpu_seconds = std::stod(value);
        else if (key == "memory") c.memory_bytes = std::stoll(value);
        else if (key == "nproc") c.nproc = std::stoll(value);
        else if (key == "fsize") c.file_bytes = std::stoll(value);
        else if (key == "nofile") c.open_files = std::stoll(value);
        else if (key == "tmp") c.tmp_bytes = std::stoll(value);
        else if (key == "session") c.session = value == "1";
        else if (key == "netns") c.netns = value == "1";
        else if (key == "supervisor") c.supervisor = std::stoll(value);
        else if (!key.empty()) throw std::invalid_argument("launch config: unknown key '" + key + "'");
    }
    if (c.mode != "native" && c.mode != "bwrap" && c.mode != "none") throw std::invalid_argument("launch config: mode '" + c.mode + "'");
    if (c.argv.empty()) throw std::invalid_argument("launch config: no argv");
    return c;
}

}  // namespace envforge::sandbox
