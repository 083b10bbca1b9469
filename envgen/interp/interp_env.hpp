// An interp task's environment (Task::env), typed: the files the task puts in the working
// directory. Text travels as JSON strings, other bytes (a SQLite database) as {"base64": ...}, so
// every stored task stays valid JSON.
#pragma once

#include <map>
#include <string>

#include "common/json.hpp"

namespace envforge::interp {

struct InterpEnv {
    std::map<std::string, std::string> files;  // plain file name (no '/', not hidden) -> content

    Json to_json() const;
    // Throws InvalidInput naming the member ("env.files['../x']: ...").
    static InterpEnv from_json(const Json& env);
};

}  // namespace envforge::interp
