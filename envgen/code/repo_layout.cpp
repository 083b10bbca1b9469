#include "envgen/code/repo_layout.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace envforge::code {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string config_value(const std::string& text, const std::string& section, const std::string& key) {
    std::istringstream in(text);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        const size_t b = line.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        line = line.substr(b);
        if (line[0] == '[') {
            inside = line.rfind("[" + section + "]", 0) == 0;
            continue;
        }
        if (!inside || line.rfind(key, 0) != 0) continue;
        std::string rest = line.substr(key.size());
        const size_t eq = rest.find_first_not_of(" \t");
        if (eq == std::string::npos || (rest[eq] != '=' && rest[eq] != ':')) continue;
        rest = rest.substr(eq + 1);
        const size_t v = rest.find_first_not_of(" \t");
        if (v == std::string::npos) return "";
        rest = rest.substr(v);
        if (rest[0] == '"' || rest[0] == '\'') {
            const size_t e = rest.find(rest[0], 1);
            return e == std::string::npos ? "" : rest.substr(1, e - 1);
        }
        if (section == "metadata" && rest.find_first_of(" :") == std::string::npos) return rest;  // setup.cfg: bare values
        return "";
    }
    return "";
}

// Where the project imports from and what it defines: "src/pkg" (a package) -> root "src",
// package "pkg"; "pkg.py" -> root ".", module "pkg"; a directory without __init__.py that holds
// packages, or is called src or lib -> a root of its packages and modules (src layout); any
// other directory without __init__.py -> a namespace package.
void import_layout(Project& p) {
    std::set<std::string> roots, own;
    for (const auto& d : p.source_dirs) {
        const fs::path rel(d), full = fs::path(p.dir) / d;
        const std::string parent = rel.parent_path().empty() ? "." : rel.parent_path().string();
        if (d.ends_with(".py")) {
            roots.insert(parent);
            own.insert(rel.stem().string());
            continue;
        }
        if (fs::exists(full / "__init__.py")) {
            roots.insert(parent);
            own.insert(rel.filename().string());
            continue;
        }
        std::set<std::string> children;
        bool packages = false;
        for (const auto& e : fs::directory_iterator(full)) {
            const std::string name = e.path().filename().string();
            if (e.is_directory() && fs::exists(e.path() / "__init__.py")) children.insert(name), packages = true;
            else if (e.is_regular_file() && name.ends_with(".py") && name != "setup.py" && name != "conftest.py")
                children.insert(e.path().stem().string());
        }
        const std::string base = rel.filename().string();
        if (packages || base == "src" || base == "lib") {
            roots.insert(d);
            own.insert(children.begin(), children.end());
        } else {
            roots.insert(parent);
            own.insert(base);
        }
    }
    p.roots.assign(roots.begin(), roots.end());
    if (p.roots.empty()) p.roots = {"."};
    p.own.assign(own.begin(), own.end());
}

// The distribution name and version, as `pip install -e .` would register them.
void distribution(Project& p) {
    const fs::path pyproject = fs::path(p.dir) / "pyproject.toml", setup_cfg = fs::path(p.dir) / "setup.cfg";
    if (fs::exists(pyproject)) {
        const std::string text = read_text(pyproject);
        p.dist_name = config_value(text, "project", "name");
        p.dist_version = config_value(text, "project", "version");
    }
    if (p.dist_name.empty() && fs::exists(setup_cfg)) {
        const std::string text = read_text(setup_cfg);
        p.dist_name = config_value(text, "metadata", "name");
        p.dist_version = config_value(text, "metadata", "version");
    }
    // A dynamic version (from git tags, a __version__ attribute) is unknowable without building.
    if (!p.dist_name.empty() && p.dist_version.empty()) p.dist_version = "0+envforge";
}

// What a suite that cannot import needs, named: a module of the project that is not in the
// repository (built from C or Cython sources, which envforge does not compile) or a third-party
// module the sandbox's interpreter lacks.
std::string missing_module_cause(const Project& p, const std::vector<const TestOutcome*>& failing) {
    for (const TestOutcome* t : failing) {
        const size_t at = t->message.find("No module named '");
        if (at == std::string::npos) continue;
        const size_t b = at + 17, e = t->message.find('\'', b);
        const std::string mod = t->message.substr(b, e - b);
        const std::string top = mod.substr(0, mod.find('.'));
        if (std::find(p.own.begin(), p.own.end(), top) != p.own.end())
            return "the suite imports '" + mod +
                   "', which is part of the project but not in the repository: it is probably built "
                   "from C or Cython sources, and envforge does not build extensions";
        return "the suite imports '" + mod +
               "', which the sandbox's python3 does not have; install it for the system interpreter "
               "(for example the Debian package python3-" +
               top + ") or choose a repository without that dependency";
    }
    return "";
}

}  // namespace envforge::code
