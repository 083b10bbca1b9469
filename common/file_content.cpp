#include "common/file_content.hpp"

#include "common/base64.hpp"
#include "common/errors.hpp"
#include "common/utf8.hpp"

namespace envforge {

Json file_content_json(const std::string& content) {
    return is_valid_utf8(content) ? Json(content) : Json::object({{"base64", base64_encode(content)}});
}

std::string file_content_from_json(const Json& value, const std::string& where) {
    if (value.is_string()) return value.as_string();
    const Json* b64 = value.is_object() ? value.find("base64") : nullptr;
    if (!b64 || !b64->is_string()) throw InvalidInput(where + ": expected a string or {\"base64\": string}");
    return base64_decode(b64->as_string());
}

}  // namespace envforge
