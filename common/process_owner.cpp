#include "common/process_owner.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace envforge {

namespace {

// Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces);
// "" when the process does not exist.
std::string start_ticks(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(f, stat)) return "";
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) return "";
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
    }
    return field;
}

}  // namespace

std::string owner_tag() {
    static std::mutex mu;
    static std::string tag;
    static pid_t tag_pid = 0;
    std::lock_guard lock(mu);
    if (tag_pid != getpid()) {
        tag_pid = getpid();
        tag = std::to_string(tag_pid) + "." + start_ticks(tag_pid);
    }
    return tag;
}

bool owner_alive(std::string_view tag) {
    const size_t dot = tag.find('.');
    long pid = 0;
    if (dot == std::string_view::npos) {  // a bare pid
        auto [end, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), pid);
        if (tag.empty() || ec != std::errc() || end != tag.data() + tag.size() || pid <= 0) return true;
        return !start_ticks(pid).empty();
    }
    if (dot == 0) return true;
    auto [end, ec] = std::from_chars(tag.data(), tag.data() + dot, pid);
    if (ec != std::errc() || end != tag.data() + dot || pid <= 0) return true;
    const std::string_view start = tag.substr(dot + 1);
    if (start.empty() || start.find_first_not_of("0123456789") != std::string_view::npos) return true;
    const std::string now = start_ticks(pid);
    return !now.empty() && now == start;
}

std::vector<std::string> dead_owner_entries(const std::string& dir, const std::string& marker, char end) {
    std::vector<std::string> dead;
    DIR* d = opendir(dir.c_str());
    if (!d) return dead;
    while (dirent* e = readdir(d)) {
        const std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        const size_t at = marker.empty() ? 0 : name.find(marker);
        if (at == std::string_view::npos) continue;
        std::string_view tag = name.substr(at + marker.size());
        tag = tag.substr(0, tag.find(end));
        if (!owner_alive(tag)) dead.emplace_back(name);
    }
    closedir(d);
    return dead;
}

int sweep_dead_owners(const std::string& dir, const std::string& marker, char end) {
    int removed = 0;
    for (const std::string& name : dead_owner_entries(dir, marker, end)) {
        std::error_code ec;
        if (std::filesystem::remove_all(std::filesystem::path(dir) / name, ec) > 0 && !ec) ++removed;
    }
    return removed;
}

}  // namespace envforge
