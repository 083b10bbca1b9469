#include "envgen/interp/interp_env.hpp"

#include "common/errors.hpp"
#include "common/file_content.hpp"
#include "common/json_fields.hpp"

namespace envforge::interp {

Json InterpEnv::to_json() const {
    Json out = Json::object();
    for (const auto& [name, content] : files) out.set(name, file_content_json(content));
    return Json::object({{"files", std::move(out)}});
}

InterpEnv InterpEnv::from_json(const Json& env) {
    const JsonFields f(env, "env");
    InterpEnv e;
    const Json* files = f.optional("files");
    if (!files) return e;
    if (!files->is_object()) throw InvalidInput("env.files: expected an object of name: content");
    for (const auto& m : files->as_object()) {
        const std::string where = "env.files['" + m.key + "']";
        if (m.key.empty() || m.key[0] == '.' || m.key.find('/') != std::string::npos || m.key.find('\0') != std::string::npos)
            throw InvalidInput(where + ": a file name in the working directory (no '/', not hidden)");
        e.files[m.key] = file_content_from_json(m.value, where);
    }
    return e;
}

}  // namespace envforge::interp
