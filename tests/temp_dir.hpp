// A private directory under /tmp for one test, removed with everything in it afterwards.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace envforge::testing {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const char* prefix = "envforge-test") {
        std::string tmpl = std::string("/tmp/") + prefix + "-" + std::string(6, 'X');  // mkdtemp's template
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (path / name).string(); }
};

}  // namespace envforge::testing
