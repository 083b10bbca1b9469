// envforge model prompt | parse: the chat encoding on its own, without a checkpoint. `prompt` turns
// an OpenAI chat request into the exact text (or token ids) the model is fed; `parse` turns
// completion text back into the assistant message the server would answer with. Both are what
// `serve` and the embedded policy run, so a user can check them against DeepSeek's encoding_dsv32.py.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "common/errors.hpp"
#include "model/chat_encoding.hpp"
#include "model/chat_server.hpp"
#include "model/openai_chat.hpp"
#include "model/tokenizer.hpp"
#include "common/json.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace envforge::cli {

namespace {

std::string read_input(const Args& a, const char* what) {
    if (a.positional().size() > 1)
        throw InvalidInput("envforge model " + std::string(what) + ": expects one FILE (or - for standard input)");
    const std::string path = a.positional().empty() ? "-" : a.positional()[0];
    if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IoError("cannot read '" + path + "'");
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

model::ThinkingMode mode_option(const Args& a, const Json* request) {
    if (a.has("mode")) {
        const std::string m = a.get("mode");
        if (m != "thinking" && m != "chat") throw InvalidInput("--mode: '" + m + "' is not thinking or chat");
        return m == "chat" ? model::ThinkingMode::Chat : model::ThinkingMode::Thinking;
    }
    // As the server reads it: {"thinking": {"type": "disabled"}} asks for chat mode.
    if (const Json* th = request ? request->find("thinking") : nullptr; th && th->is_object())
        return th->get_string("type") == "disabled" ? model::ThinkingMode::Chat : model::ThinkingMode::Thinking;
    return model::ThinkingMode::Thinking;
}

}  // namespace

int model_prompt(int argc, char** argv) {
    Args a("model prompt",
           "Print the prompt an OpenAI chat request becomes (DeepSeek-V3.2's encoding, as `serve` builds it):\n"
           "  envforge model prompt request.json        (messages, tools, tool_choice, thinking)",
           {{"mode", "thinking|chat", "thinking mode (default: the request's \"thinking\" field, else thinking)", nullptr},
            {"no-bos", nullptr, "leave out <｜begin▁of▁sentence｜>", nullptr},
            {"no-generation-prompt", nullptr,
             "after a final assistant turn, append nothing (as DeepSeek's encode_messages; serve appends <｜Assistant｜> and the think "
             "marker)",
             nullptr},
            {"ids", nullptr, "print the token ids (comma-separated) instead of the text", nullptr},
            {"tokenizer", "FILE", "tokenizer.json for --ids (default: the DeepSeek-V3.2 one fetched by tools/install-deps)", nullptr}},
           argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    const Json request = Json::parse(read_input(a, "prompt"), "request");
    if (!request.is_object()) throw InvalidInput("request: expected a JSON object with \"messages\"");
    model::OpenAiChat chat;
    try {
        chat = model::openai_chat_from_request(request);
    } catch (const model::ChatRequestError& e) {
        throw InvalidInput(std::string("request: ") + e.what());
    }
    model::ChatEncodeOptions o;
    o.mode = mode_option(a, &request);
    o.add_bos = !a.flag("no-bos");
    o.add_generation_prompt = !a.flag("no-generation-prompt");
    const std::string prompt = model::encode_chat(chat.messages, chat.tools, o);
    if (a.flag("ids")) {
        const model::Tokenizer tok = model::load_deepseek_v32_tokenizer(a.get("tokenizer"));
        std::string line;
        for (int32_t id : tok.encode(prompt)) line += (line.empty() ? "" : ",") + std::to_string(id);
        std::printf("%s\n", line.c_str());
        return 0;
    }
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);  // exactly the prompt: no newline added
    return 0;
}

int model_parse(int argc, char** argv) {
    Args a("model parse",
           "Parse completion text (what follows the prompt) into the assistant message `serve` answers with:\n"
           "  envforge model parse completion.txt       exit 1 when the text does not follow the format",
           {{"mode", "thinking|chat", "the mode the completion was generated in (default thinking)", nullptr}}, argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    const std::string text = read_input(a, "parse");
    const model::ThinkingMode mode = mode_option(a, nullptr);
    const model::ParsedCompletion p = model::parse_completion(text, mode, "0");
    Json out = model::openai_message_json(p, mode);
    out.set("finished", p.finished);
    if (!p.error.empty()) out.set("error", p.error);
    std::printf("%s\n", out.dump().c_str());
    return p.error.empty() ? 0 : 1;
}

}  // namespace envforge::cli
