// Server throughput against direct engine calls in the same run: generated tokens per second
// with 1 and 16 concurrent clients, each asking for 64 tokens of one short chat prompt, through
// `envforge serve`'s HTTP API (libcurl clients on loopback) and through EngineService::submit.
// Usage: bench_serve [--ckpt DIR] [--rounds N]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "model/chat_server.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/engine_service.hpp"
#include "model/http_client.hpp"
#include "model/tokenizer.hpp"
#include "model/transformer.hpp"
#include "common/json.hpp"

using namespace envforge;
using namespace envforge::model;
using Clock = std::chrono::steady_clock;
constexpr int64_t kTokens = 64;

// Waits until `n` completions have arrived.
struct Latch {
    std::mutex mu;
    std::condition_variable cv;
    int left;
    explicit Latch(int n) : left(n) {}
    void done() {
        std::lock_guard l(mu);
        if (--left == 0) cv.notify_all();
    }
    void wait() {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return left == 0; });
    }
};

// Tokens per second of `clients` concurrent generations submitted to the engine directly.
static double direct_tokens_per_s(Transformer& model, const Tokenizer& tok, const std::vector<int32_t>& prompt, int clients, int rounds) {
    EngineService engine(model, 32);
    auto run_round = [&] {
        Latch latch(clients);
        for (int c = 0; c < clients; ++c) {
            GenerationRequest g;
            g.prompt = prompt;
            g.seed = static_cast<uint64_t>(c);
            g.max_new_tokens = kTokens;
            g.vocab_limit = tok.size();
            g.on_done = [&](GenerationResult&&) { latch.done(); };
            engine.submit(std::move(g));
        }
        latch.wait();
    };
    run_round();  // warm-up
    auto t0 = Clock::now();
    for (int r = 0; r < rounds; ++r) run_round();
    return static_cast<double>(clients * kTokens * rounds) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Tokens per second of `clients` concurrent chat completions through envforge serve on loopback.
static double served_tokens_per_s(Transformer& model, const Tokenizer& tok, int clients, int rounds) {
    EngineService engine(model, 32);
    std::atomic<bool> stop{false};
    std::atomic<int> port{0};
    ServeOptions o;
    o.port = 0;
    std::thread server([&] {
        run_chat_server(
            engine, tok, o, [&](int p) { port = p; }, stop);
    });
    while (!port) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    HttpClient http;
    const std::string body =
        Json::object({{"model", "envforge-dsa"},
                      {"messages", Json(JsonArray{Message::user("Write a short note about the weather in Tokyo.").to_json(false)})},
                      {"max_tokens", kTokens},
                      {"ignore_eos", true}})
            .dump();
    std::atomic<int> bad{0};
    auto run_round = [&] {
        Latch latch(clients);
        for (int c = 0; c < clients; ++c) {
            HttpRequest h;
            h.url = "http://127.0.0.1:" + std::to_string(port.load()) + "/v1/chat/completions";
            h.headers = {"Content-Type: application/json"};
            h.body = body;
            http.send(std::move(h), [&](HttpResponse&& r) {
                if (r.status != 200 && bad++ == 0)
                    std::printf("HTTP %ld %s %s\n", r.status, r.error.c_str(), r.body.substr(0, 200).c_str());
                latch.done();
            });
        }
        latch.wait();
    };
    run_round();
    auto t0 = Clock::now();
    for (int r = 0; r < rounds; ++r) run_round();
    const double served = static_cast<double>(clients * kTokens * rounds) / std::chrono::duration<double>(Clock::now() - t0).count();
    stop = true;
    server.join();
    if (bad) std::printf("%d requests failed\n", bad.load());
    return served;
}

int main(int argc, char** argv) {
    std::string ckpt;
    int rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--ckpt")) ckpt = argv[i + 1];
        if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    }
    std::string tmp;
    if (ckpt.empty()) {
        tmp = "/tmp/envforge-bench-serve-" + std::to_string(getpid());
        ModelConfig c = preset_config("tiny");
        c.vocab_size = 129280;
        write_random_checkpoint(c, tmp, {});
        ckpt = tmp;
    }
    Transformer model(ckpt);
    const Tokenizer tok = load_deepseek_v32_tokenizer();
    const std::vector<Message> chat{Message::user("Write a short note about the weather in Tokyo.")};
    const std::vector<int32_t> prompt = tok.encode(encode_chat(chat, {}));
    std::printf("checkpoint %s: %.1f M parameters; prompt %zu tokens, %lld generated per request\n", ckpt.c_str(), model.n_params() / 1e6,
                prompt.size(), (long long)kTokens);
    for (int clients : {1, 16}) {
        const double direct = direct_tokens_per_s(model, tok, prompt, clients, rounds);
        const double served = served_tokens_per_s(model, tok, clients, rounds);
        std::printf("%2d clients: direct engine %7.1f tokens/s, envforge serve %7.1f tokens/s (%.0f%% of direct)\n", clients, direct,
                    served, 100.0 * served / direct);
    }
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
    return 0;
}
