#include "envgen/interp/interp_env.hpp"

#include "common/base64.hpp"
#include "common/errors.hpp"
#include "common/json_fields.hpp"
#include "common/utf8.hpp"

namespace envforge::interp {

Json InterpEnv::to_json() const {
    Json out = Json::object();
    for (const auto& [name, content] : files)
        out.set(name, is_valid_utf8(content) ? Json(content) : Json::object({{"base64", base64_encode(content)}}));
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
        const Json* b64 = m.value.is_object() ? m.value.find("base64") : nullptr;
        if (!m.value.is_string() && !(b64 && b64->is_string())) throw InvalidInput(where + ": expected a string or {\"base64\": string}");
        e.files[m.key] = m.value.is_string() ? m.value.as_string() : base64_decode(b64->as_string());
    }
    return e;
}

}  // namespace envforge::interp
