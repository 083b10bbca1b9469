// envforge serve: the embedded DSA model behind an OpenAI-compatible HTTP API.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "model/chat_server.hpp"
#include "model/engine_service.hpp"
#include "model/tokenizer.hpp"
#include "model/transformer.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace envforge::cli {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int cmd_serve(int argc, char** argv) {
    Args a("serve",
           "Serve a checkpoint over an OpenAI-compatible API: envforge serve --model DIR [--port 8000]\n"
           "Routes: GET /v1/models, POST /v1/chat/completions (tools, streaming, reasoning_content), GET /health.",
           {{"model", "DIR", "checkpoint directory (tools/make-checkpoint --vocab 129280 makes a test one)", nullptr},
            {"host", "ADDR", "address to listen on", "127.0.0.1"},
            {"port", "P", "port (0: any free port; the chosen one is printed)", "8000"},
            {"name", "NAME", "model id reported by /v1/models", "envforge-dsa"},
            {"tokenizer", "FILE", "tokenizer.json (default: DeepSeek-V3.2's)", nullptr},
            {"thinking", "on|off", "default thinking mode (a request may set \"thinking\": {\"type\": ...})", "on"},
            {"max-batch", "N", "sequences decoded together", "32"},
            {"max-concurrency", "N", "requests generating at once; more get HTTP 429", "64"},
            {"max-body-kb", "N", "largest request body", "8192"},
            {"max-tokens", "N", "default max_tokens", "1024"},
            {"dense", nullptr, "full attention instead of DSA", nullptr},
            kDeviceOption},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("model")) throw InvalidInput("envforge serve: --model DIR is required");
    if (a.get("thinking") != "on" && a.get("thinking") != "off") throw InvalidInput("--thinking: expected on or off");
    model::EngineOptions eo;
    eo.dense = a.flag("dense");
    eo.cuda = cuda_device_option(a);
    model::Transformer transformer(a.get("model"), eo);
    const model::Tokenizer tokenizer = model::load_deepseek_v32_tokenizer(a.get("tokenizer"));
    model::EngineService engine(transformer, static_cast<int>(a.get_int("max-batch", 1, 1024)));
    model::ServeOptions o;
    o.host = a.get("host");
    o.port = static_cast<int>(a.get_int("port", 0, 65535));
    o.model_name = a.get("name");
    o.default_mode = a.get("thinking") == "on" ? model::ThinkingMode::Thinking : model::ThinkingMode::Chat;
    o.max_concurrency = static_cast<int>(a.get_int("max-concurrency", 1, 100000));
    o.max_body_bytes = static_cast<size_t>(a.get_int("max-body-kb", 1, 1 << 20)) * 1024;
    o.default_max_tokens = a.get_int("max-tokens", 1, 1 << 20);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    model::run_chat_server(
        engine, tokenizer, o,
        [&](int port) {
            std::printf("envforge serve: %s (%.1f M parameters) at http://%s:%d/v1\n", o.model_name.c_str(), transformer.n_params() / 1e6,
                        o.host.c_str(), port);
            std::fflush(stdout);
        },
        g_stop);
    return 0;
}

}  // namespace envforge::cli
