// A file's content inside a JSON document (a task's files): text that is valid UTF-8 as a JSON
// string, other bytes (a SQLite database, a fixture in another encoding) as {"base64": "..."},
// so every stored task stays valid JSON whatever the files hold.
#pragma once

#include <string>

#include "common/json.hpp"

namespace envforge {

Json file_content_json(const std::string& content);
// The bytes back; InvalidInput "<where>: expected a string or {"base64": string}" otherwise.
std::string file_content_from_json(const Json& value, const std::string& where);

}  // namespace envforge
