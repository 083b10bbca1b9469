// envforge tokenize: text to DeepSeek token ids and back, from the command line.
#include "common/utf8.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "model/tokenizer.hpp"
#include "common/errors.hpp"
#include "common/json.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace envforge::cli {

namespace {

std::string join_ids(const std::vector<int32_t>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s;
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
    Args a(
        "tokenize",
        "Encode text (the arguments, or standard input) to token ids, or decode ids:\n"
        "  envforge tokenize 'Hello world'      envforge tokenize --decode 19923,2058",
        {{"tokenizer", "FILE", "tokenizer.json (default: the DeepSeek-V3.2 one fetched by tools/install-deps)", nullptr},
         {"decode", "IDS", "comma-separated ids to turn back into text", nullptr},
         {"docs", "FILE", "encode each length-prefixed document of FILE (u32 little-endian length, bytes); one line of ids each", nullptr},
         {"roundtrip", nullptr, "with --docs: check decode(encode(doc)) == doc (invalid UTF-8 as U+FFFD) instead of printing ids", nullptr},
         {"json", nullptr, "print ids and token strings as JSON", nullptr}},
        argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    const model::Tokenizer tok = model::load_deepseek_v32_tokenizer(a.get("tokenizer"));
    if (a.has("decode")) {
        std::vector<int32_t> ids;
        std::stringstream ss(a.get("decode"));
        for (std::string item; std::getline(ss, item, ',');) {
            char* end = nullptr;
            const long v = std::strtol(item.c_str(), &end, 10);
            if (item.empty() || *end) throw InvalidInput("--decode: '" + item + "' is not a token id");
            ids.push_back(static_cast<int32_t>(v));
        }
        std::string text = tok.decode(ids);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
        return 0;
    }
    if (a.has("docs")) {
        std::ifstream f(a.get("docs"), std::ios::binary);
        if (!f) throw IoError("cannot read '" + a.get("docs") + "'");
        std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::string out;
        size_t docs = 0, failed = 0;
        for (size_t i = 0; i + 4 <= all.size(); ++docs) {
            uint32_t n;
            std::memcpy(&n, all.data() + i, 4);
            if (i + 4 + n > all.size())
                throw InvalidInput("'" + a.get("docs") + "': document at byte " + std::to_string(i) + " overruns the file");
            const std::string_view doc = std::string_view(all).substr(i + 4, n);
            const std::vector<int32_t> ids = tok.encode(doc);
            if (!a.flag("roundtrip")) out += join_ids(ids) + "\n";
            else if (tok.decode(ids) != sanitize_utf8(doc)) {
                if (failed++ < 5) std::fprintf(stderr, "document %zu (byte %zu) does not round-trip\n", docs, i);
            }
            i += 4 + n;
        }
        if (a.flag("roundtrip")) {
            std::printf("%zu of %zu documents round-trip\n", docs - failed, docs);
            return failed ? 1 : 0;
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    }
    std::string text;
    if (a.positional().empty()) text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    else
        for (size_t i = 0; i < a.positional().size(); ++i) text += (i ? " " : "") + a.positional()[i];
    const std::vector<int32_t> ids = tok.encode(text);
    if (a.flag("json")) {
        JsonArray ja, ta;
        for (int32_t id : ids) {
            ja.emplace_back(static_cast<int64_t>(id));
            ta.emplace_back(tok.decode({id}));
        }
        std::printf("%s\n", Json::object({{"ids", Json(std::move(ja))}, {"tokens", Json(std::move(ta))}}).dump().c_str());
    } else {
        std::printf("%s\n", join_ids(ids).c_str());
    }
    return 0;
}

}  // namespace envforge::cli
