#include "common/install_paths.hpp"

#include <filesystem>
#include <system_error>

namespace envforge {

std::string installed_data_path(std::string_view relative) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    const auto path = exe.parent_path().parent_path() / "share" / "envforge" / relative;
    return std::filesystem::exists(path, ec) ? path.string() : "";
}

}  // namespace envforge
