// A project's files in memory, on disk and in a task's JSON (text as strings, other bytes as
// base64).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "common/file_content.hpp"
#include "envgen/code/code_project.hpp"

namespace envforge::code {

namespace fs = std::filesystem;

bool safe_relative(const std::string& p) {
    if (p.empty() || p[0] == '/' || p.find('\0') != std::string::npos) return false;
    for (const auto& part : fs::path(p))
        if (part == ".." || part == ".") return false;
    return true;
}

void write_files(const std::string& dir, const Files& files) {
    for (const auto& [path, content] : files) {
        if (!safe_relative(path)) throw InvalidInput("file path '" + path + "' must be relative and stay inside the repository");
        const fs::path full = fs::path(dir) / path;
        fs::create_directories(full.parent_path());
        std::ofstream f(full, std::ios::binary | std::ios::trunc);
        f << content;
        if (!f) throw IoError("cannot write '" + full.string() + "'");
    }
}

Files read_tree(const std::string& dir) {
    Files out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        const std::string name = it->path().filename().string();
        if (it->is_symlink()) continue;
        if (it->is_directory() && (name == ".git" || name == "__pycache__")) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file() || name.ends_with(".pyc")) continue;
        std::ifstream f(it->path(), std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        out[fs::relative(it->path(), dir).string()] = ss.str();
    }
    return out;
}

Json files_to_json(const Files& files) {
    Json out = Json::object();
    for (const auto& [path, content] : files) out.set(path, file_content_json(content));
    return out;
}

Files files_from_json(const Json& files) {
    if (!files.is_object()) throw InvalidInput("env.files: expected an object of path: content");
    Files out;
    for (const auto& f : files.as_object()) {
        if (!safe_relative(f.key)) throw InvalidInput("env.files: path '" + f.key + "' must be relative and stay inside the repository");
        out[f.key] = file_content_from_json(f.value, "env.files['" + f.key + "']");
    }
    return out;
}

bool in_test_dir(const std::string& path, const std::string& test_dir) {
    return !test_dir.empty() && test_dir != "." && (path == test_dir || path.rfind(test_dir + "/", 0) == 0);
}

}  // namespace envforge::code
