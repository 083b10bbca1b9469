#include "model/chat_server.hpp"

#include <chrono>
#include <ctime>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/errors.hpp"
#include "common/utf8.hpp"
#include "model/async_generate.hpp"
#include "model/engine_service.hpp"
#include "model/openai_chat.hpp"
#include "model/tokenizer.hpp"

namespace envforge::model {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

struct State {
    EngineService& engine;
    const Tokenizer& tok;
    ServeOptions o;
    std::atomic<int> active{0};
    std::atomic<uint64_t> next_id{1};
    int32_t eos = 1;
    int64_t vocab = 0;
};

// An error the client caused or may retry: OpenAI's {"error": {...}} with an HTTP status.
struct HttpError {
    http::status status;
    std::string message, type, param;
};

Json error_body(const std::string& message, const std::string& type, const std::string& param = "") {
    return Json::object(
        {{"error",
          Json::object({{"message", message}, {"type", type}, {"param", param.empty() ? Json() : Json(param)}, {"code", Json()}})}});
}

Response json_response(http::status status, const Json& body) {
    Response r{status, 11};
    r.set(http::field::content_type, "application/json");
    r.set(http::field::server, "envforge");
    r.body() = body.dump();
    r.prepare_payload();
    return r;
}

struct ChatRequest {
    std::vector<Message> messages;
    std::vector<ToolSpec> tools;
    ThinkingMode mode = ThinkingMode::Thinking;
    SamplingParams sampling{1.0, 1.0, 0};
    uint64_t seed = 0;
    int64_t max_tokens = 0;
    bool stream = false, include_usage = false;
    bool ignore_eos = false;  // vLLM's extension: generate exactly max_tokens (benchmarks)
    std::string model;
};

HttpError bad_field(const std::string& field, const std::string& what) {
    return HttpError{http::status::bad_request, "'" + field + "' " + what, "invalid_request_error", field};
}

// Optional members of the request, typed: absent or null gives the fallback; any other type is a
// 400 naming the field (a client that sends "temperature": "hot" gets told, not a default).
double number_member(const Json& j, const char* key, double fallback) {
    const Json* v = j.find_present(key);
    if (!v) return fallback;
    if (!v->is_number()) throw bad_field(key, "must be a number");
    return v->as_number();
}
int64_t int_member(const Json& j, const char* key, int64_t fallback) {
    const Json* v = j.find_present(key);
    if (!v) return fallback;
    if (!v->is_int()) throw bad_field(key, "must be an integer");
    return v->as_int();
}
bool bool_member(const Json& j, const char* key, bool fallback) {
    const Json* v = j.find_present(key);
    if (!v) return fallback;
    if (!v->is_bool()) throw bad_field(key, "must be true or false");
    return v->as_bool();
}
std::string string_member(const Json& j, const char* key, std::string fallback) {
    const Json* v = j.find_present(key);
    if (!v) return fallback;
    if (!v->is_string()) throw bad_field(key, "must be a string");
    return v->as_string();
}

ChatRequest parse_request(const std::string& text, const State& st) {
    Json j;
    try {
        j = Json::parse(text, "request body");
    } catch (const std::exception& e) {
        throw HttpError{http::status::bad_request, e.what(), "invalid_request_error", ""};
    }
    if (!j.is_object()) throw HttpError{http::status::bad_request, "the request body must be a JSON object", "invalid_request_error", ""};
    ChatRequest r;
    r.model = string_member(j, "model", st.o.model_name);
    try {
        OpenAiChat chat = openai_chat_from_request(j);
        r.messages = std::move(chat.messages);
        r.tools = std::move(chat.tools);
    } catch (const ChatRequestError& e) {
        throw HttpError{http::status::bad_request, e.what(), "invalid_request_error", e.param};
    }
    r.mode = st.o.default_mode;
    const Json* th = j.find_present("thinking");
    if (th && !th->is_object()) throw bad_field("thinking", "must be an object such as {\"type\": \"disabled\"}");
    if (th) r.mode = th->get_string("type") == "disabled" ? ThinkingMode::Chat : ThinkingMode::Thinking;
    r.sampling.temperature = number_member(j, "temperature", 1.0);
    r.sampling.top_p = number_member(j, "top_p", 1.0);
    r.sampling.top_k = int_member(j, "top_k", 0);
    if (r.sampling.top_k < 0) throw bad_field("top_k", "must be 0 (no limit) or positive");
    if (r.sampling.temperature < 0 || r.sampling.temperature > 2 || r.sampling.top_p <= 0 || r.sampling.top_p > 1)
        throw HttpError{http::status::bad_request, "temperature must be in [0, 2] and top_p in (0, 1]", "invalid_request_error",
                        "temperature"};
    r.seed = static_cast<uint64_t>(int_member(j, "seed", static_cast<int64_t>(st.next_id.load())));
    r.max_tokens = int_member(j, "max_completion_tokens", int_member(j, "max_tokens", st.o.default_max_tokens));
    if (r.max_tokens < 1) throw HttpError{http::status::bad_request, "max_tokens must be positive", "invalid_request_error", "max_tokens"};
    r.stream = bool_member(j, "stream", false);
    r.ignore_eos = bool_member(j, "ignore_eos", false);
    if (const Json* so = j.find_present("stream_options")) {
        if (!so->is_object()) throw bad_field("stream_options", "must be an object");
        r.include_usage = bool_member(*so, "include_usage", false);
    }
    // One choice per request, no stop sequences: refused rather than silently ignored.
    if (int_member(j, "n", 1) != 1) throw bad_field("n", "must be 1: this server returns one choice per request");
    if (const Json* stop = j.find_present("stop")) {
        const bool empty = (stop->is_array() && stop->as_array().empty()) || (stop->is_string() && stop->as_string().empty());
        if (!stop->is_string() && !stop->is_array()) throw bad_field("stop", "must be a string or an array of strings");
        if (!empty) throw bad_field("stop", "is not supported: generation ends at the end-of-sentence token or max_tokens");
    }
    return r;
}

}  // namespace

Json openai_message_json(const ParsedCompletion& p, ThinkingMode mode) {
    Json m = Json::object({{"role", "assistant"}});
    std::string content = p.message.content.value_or("");
    if (!p.error.empty() && !p.message.tool_calls.empty())
        content += p.message.tool_calls[0].arguments;  // unparsable DSML stays visible as text
    m.set("content", content);
    if (mode == ThinkingMode::Thinking) m.set("reasoning_content", p.message.reasoning.value_or(""));
    if (p.error.empty() && !p.message.tool_calls.empty()) {
        JsonArray calls;
        for (const auto& c : p.message.tool_calls) calls.push_back(c.to_json(false));
        m.set("tool_calls", Json(std::move(calls)));
    }
    return m;
}

namespace {

std::string finish_reason(const GenerationResult& r, const ParsedCompletion& p) {
    if (r.finish_reason == "length") return "length";
    return p.error.empty() && !p.message.tool_calls.empty() ? "tool_calls" : "stop";
}

Json usage_json(const GenerationResult& r) {
    const auto completion = static_cast<int64_t>(r.tokens.size());
    return Json::object(
        {{"prompt_tokens", r.prompt_tokens}, {"completion_tokens", completion}, {"total_tokens", r.prompt_tokens + completion}});
}

// Splits the growing completion into reasoning and content deltas for streaming, holding back
// anything that might be the start of a marker (</think>, a DSML block, the end token).
class DeltaSplitter {
public:
    explicit DeltaSplitter(ThinkingMode mode) : in_reasoning_(mode == ThinkingMode::Thinking) {}
    // Returns {reasoning delta, content delta} for the text so far.
    std::pair<std::string, std::string> feed(const std::string& text, bool final) {
        std::string rd, cd;
        std::string safe = text;
        // An incomplete UTF-8 character decodes to U+FFFD at the end: wait for the rest.
        while (!final && safe.size() >= 3 && safe.compare(safe.size() - 3, 3, "\xEF\xBF\xBD") == 0) safe.resize(safe.size() - 3);
        if (in_reasoning_) {
            const size_t close = safe.find(kThinkClose);
            if (close == std::string::npos) {
                rd = take(safe, reasoning_sent_, hold(safe, final, kThinkClose.size()));
                return {rd, cd};
            }
            rd = safe.substr(reasoning_sent_, close - reasoning_sent_);
            reasoning_sent_ = close;
            in_reasoning_ = false;
            content_start_ = close + kThinkClose.size();
            content_sent_ = content_start_;
        }
        if (stopped_) return {rd, cd};
        size_t stop = safe.find("<｜DSML｜", content_start_);
        const size_t eos = safe.find(kEos, content_start_);
        stop = std::min(stop, eos);
        if (stop != std::string::npos) {
            size_t end = stop;
            while (end >= content_start_ + 1 && end > content_sent_ && safe[end - 1] == '\n') --end;  // the "\n\n" before a block
            if (end > content_sent_) cd = safe.substr(content_sent_, end - content_sent_);
            content_sent_ = std::max(content_sent_, end);
            stopped_ = true;
            return {rd, cd};
        }
        cd = take(safe, content_sent_, hold(safe, final, std::max(kEos.size(), std::string("\n\n<｜DSML｜").size())));
        return {rd, cd};
    }

private:
    static size_t hold(const std::string& s, bool final, size_t marker) {
        if (final) return s.size();
        size_t end = s.size() > marker ? s.size() - marker : 0;
        return utf8_boundary(s, end);
    }
    static std::string take(const std::string& s, size_t& sent, size_t upto) {
        if (upto <= sent) return "";
        std::string d = s.substr(sent, upto - sent);
        sent = upto;
        return d;
    }
    bool in_reasoning_;
    bool stopped_ = false;
    size_t reasoning_sent_ = 0, content_start_ = 0, content_sent_ = 0;
};

// Stream events, built outside the coroutines: GCC 12 rejects braced initializer lists of string
// literals inside co_await expressions ("array used as initializer").
Json delta(const char* key, const std::string& value) { return Json::object({{key, value}}); }
Json role_delta() { return Json::object({{"role", "assistant"}, {"content", ""}}); }
Json chunk_json(const std::string& id, int64_t created, const std::string& model, Json delta, Json finish) {
    return Json::object(
        {{"id", id},
         {"object", "chat.completion.chunk"},
         {"created", created},
         {"model", model},
         {"choices", Json(JsonArray{Json::object({{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}})})}});
}
Json usage_chunk(const std::string& id, int64_t created, const std::string& model, const GenerationResult& r) {
    return Json::object({{"id", id},
                         {"object", "chat.completion.chunk"},
                         {"created", created},
                         {"model", model},
                         {"choices", Json::array()},
                         {"usage", usage_json(r)}});
}
Json tool_calls_delta(const std::vector<ToolCall>& calls) {
    JsonArray out;
    int index = 0;
    for (const auto& c : calls) {
        Json call = c.to_json(false);
        call.set("index", index++);
        out.push_back(std::move(call));
    }
    return Json::object({{"tool_calls", Json(std::move(out))}});
}

struct Event {
    int32_t token = -1;
    bool done = false;
    GenerationResult result;
};
using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code, Event)>;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket s, State& st) : sock_(std::move(s)), st_(st) {}

    asio::awaitable<void> run() {
        beast::flat_buffer buf;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(st_.o.max_body_bytes);
            boost::system::error_code ec;
            co_await http::async_read(sock_, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec == http::error::body_limit) {
                co_await write(
                    json_response(http::status::payload_too_large,
                                  error_body("the request body is larger than " + std::to_string(st_.o.max_body_bytes) + " bytes",
                                             "invalid_request_error")),
                    false);
                break;
            }
            if (ec) break;
            auto req = parser.release();
            const bool keep = req.keep_alive();
            bool streamed = false;
            Response res;
            try {
                res = co_await handle(req, streamed);
            } catch (const HttpError& e) {
                res = json_response(e.status, error_body(e.message, e.type, e.param));
                if (e.status == http::status::too_many_requests) res.set(http::field::retry_after, "1");
            } catch (const std::exception& e) {
                res = json_response(http::status::internal_server_error, error_body(e.what(), "server_error"));
            }
            if (streamed) break;  // an event stream ends with the connection
            if (!co_await write(std::move(res), keep) || !keep) break;
        }
        boost::system::error_code ignore;
        sock_.shutdown(tcp::socket::shutdown_both, ignore);
    }

private:
    asio::awaitable<bool> write(Response res, bool keep) {
        res.keep_alive(keep);
        boost::system::error_code ec;
        co_await http::async_write(sock_, res, asio::redirect_error(asio::use_awaitable, ec));
        co_return !ec;
    }

    asio::awaitable<Response> handle(const http::request<http::string_body>& req, bool& streamed) {
        std::string target(req.target());
        if (const size_t q = target.find('?'); q != std::string::npos) target.resize(q);
        if (target == "/v1/models" || target == "/models") {
            if (req.method() != http::verb::get) throw HttpError{http::status::method_not_allowed, "use GET", "invalid_request_error", ""};
            co_return json_response(
                http::status::ok,
                Json::object({{"object", "list"},
                              {"data", Json(JsonArray{Json::object(
                                           {{"id", st_.o.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "envforge"}})})}}));
        }
        if (target == "/health") co_return json_response(http::status::ok, Json::object({{"status", "ok"}}));
        if (target != "/v1/chat/completions" && target != "/chat/completions")
            throw HttpError{http::status::not_found, "no route " + target + " (try /v1/chat/completions or /v1/models)",
                            "invalid_request_error", ""};
        if (req.method() != http::verb::post) throw HttpError{http::status::method_not_allowed, "use POST", "invalid_request_error", ""};
        ChatRequest cr = parse_request(req.body(), st_);
        const std::string prompt = encode_chat(cr.messages, cr.tools, {.mode = cr.mode});
        std::vector<int32_t> ids = st_.tok.encode(prompt);
        const int64_t limit = st_.o.max_context;
        if (static_cast<int64_t>(ids.size()) + cr.max_tokens > limit)
            throw HttpError{http::status::bad_request,
                            "the prompt (" + std::to_string(ids.size()) + " tokens) plus max_tokens (" + std::to_string(cr.max_tokens) +
                                ") exceeds the context of " + std::to_string(limit) + " tokens",
                            "invalid_request_error", "messages"};
        for (int32_t id : ids)
            if (id >= st_.vocab)
                throw HttpError{http::status::bad_request,
                                "token " + std::to_string(id) + " is outside this model's vocabulary of " + std::to_string(st_.vocab),
                                "invalid_request_error", "messages"};
        if (st_.active.fetch_add(1) >= st_.o.max_concurrency) {
            st_.active.fetch_sub(1);
            throw HttpError{http::status::too_many_requests,
                            "the server is busy (" + std::to_string(st_.o.max_concurrency) + " requests in flight); retry",
                            "rate_limit_error", ""};
        }
        struct Done {
            std::atomic<int>& a;
            ~Done() { a.fetch_sub(1); }
        } done{st_.active};
        const std::string id = "chatcmpl-" + std::to_string(st_.next_id.fetch_add(1));
        GenerationRequest g;
        g.prompt = std::move(ids);
        g.sampling = cr.sampling;
        g.seed = cr.seed;
        g.max_new_tokens = cr.max_tokens;
        if (!cr.ignore_eos) g.stop_ids = {st_.eos};
        g.vocab_limit = st_.tok.size();
        if (!cr.stream) {
            GenerationResult r = co_await async_generate(st_.engine, std::move(g), asio::use_awaitable);
            if (r.finish_reason == "error") throw std::runtime_error("generation failed: " + r.error);
            ParsedCompletion p = parse_completion(st_.tok.decode(r.tokens), cr.mode, id.substr(9));
            Json body = Json::object(
                {{"id", id},
                 {"object", "chat.completion"},
                 {"created", static_cast<int64_t>(std::time(nullptr))},
                 {"model", cr.model},
                 {"choices", Json(JsonArray{Json::object(
                                 {{"index", 0}, {"message", openai_message_json(p, cr.mode)}, {"finish_reason", finish_reason(r, p)}})})},
                 {"usage", usage_json(r)}});
            co_return json_response(http::status::ok, body);
        }
        streamed = true;
        co_await stream(std::move(g), cr, id);
        co_return Response{};
    }

    asio::awaitable<void> stream(GenerationRequest g, const ChatRequest& cr, const std::string& id) {
        auto ch = std::make_shared<Channel>(sock_.get_executor(), static_cast<size_t>(cr.max_tokens) + 4);
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        g.on_token = [ch, cancelled](int32_t t) {
            ch->try_send(boost::system::error_code{}, Event{t, false, {}});
            return !cancelled->load();
        };
        g.on_done = [ch](GenerationResult&& r) { ch->try_send(boost::system::error_code{}, Event{-1, true, std::move(r)}); };
        st_.engine.submit(std::move(g));
        const int64_t created = static_cast<int64_t>(std::time(nullptr));
        bool ok = co_await send_raw(
            std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\nServer: "
                        "envforge\r\n\r\n"));
        ok = ok && co_await send_event(chunk_json(id, created, cr.model, role_delta(), Json()));
        std::vector<int32_t> tokens;
        DeltaSplitter split(cr.mode);
        for (;;) {
            boost::system::error_code ec;
            Event ev = co_await ch->async_receive(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            if (ev.done) {
                if (ok) co_await finish_stream(ev.result, split, cr, id, created);
                co_return;
            }
            tokens.push_back(ev.token);
            if (!ok) {
                cancelled->store(true);  // the client went away: stop generating for it
                continue;
            }
            const std::pair<std::string, std::string> d = split.feed(st_.tok.decode(tokens), false);
            if (!d.first.empty()) ok = co_await send_event(chunk_json(id, created, cr.model, delta("reasoning_content", d.first), Json()));
            if (ok && !d.second.empty()) ok = co_await send_event(chunk_json(id, created, cr.model, delta("content", d.second), Json()));
        }
    }

    // The rest of the text, the tool calls, the finish reason, usage and [DONE].
    asio::awaitable<void> finish_stream(const GenerationResult& r, DeltaSplitter& split, const ChatRequest& cr, const std::string& id,
                                        int64_t created) {
        if (r.finish_reason == "error") {
            co_await send_event(error_body(r.error, "server_error"));
            co_await send_raw(std::string("data: [DONE]\n\n"));
            co_return;
        }
        const std::string text = st_.tok.decode(r.tokens);
        const std::pair<std::string, std::string> d = split.feed(text, true);
        const ParsedCompletion p = parse_completion(text, cr.mode, id.substr(9));
        if (!d.first.empty()) co_await send_event(chunk_json(id, created, cr.model, delta("reasoning_content", d.first), Json()));
        if (!d.second.empty()) co_await send_event(chunk_json(id, created, cr.model, delta("content", d.second), Json()));
        if (p.error.empty() && !p.message.tool_calls.empty())
            co_await send_event(chunk_json(id, created, cr.model, tool_calls_delta(p.message.tool_calls), Json()));
        co_await send_event(chunk_json(id, created, cr.model, Json::object(), Json(finish_reason(r, p))));
        if (cr.include_usage) co_await send_event(usage_chunk(id, created, cr.model, r));
        co_await send_raw(std::string("data: [DONE]\n\n"));
    }

    asio::awaitable<bool> send_raw(std::string s) {
        boost::system::error_code ec;
        co_await asio::async_write(sock_, asio::buffer(s), asio::redirect_error(asio::use_awaitable, ec));
        co_return !ec;
    }
    asio::awaitable<bool> send_event(const Json& j) { co_return co_await send_raw("data: " + j.dump() + "\n\n"); }

    tcp::socket sock_;
    State& st_;
};

asio::awaitable<void> accept_loop(tcp::acceptor& acc, State& st) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket s = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;
        }
        s.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(std::move(s), st);
        asio::co_spawn(
            acc.get_executor(), [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
    }
}

}  // namespace

void run_chat_server(EngineService& engine, const Tokenizer& tokenizer, const ServeOptions& options,
                     const std::function<void(int port)>& on_listening, const std::atomic<bool>& stop) {
    asio::io_context io;
    State st{engine, tokenizer, options};
    st.eos = tokenizer.token_to_id(kEos);
    st.vocab = engine.model().config().vocab_size;
    if (st.o.max_context <= 0) st.o.max_context = engine.model().config().max_position_embeddings;
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(options.host, ec);
    if (ec) throw InvalidInput("--host '" + options.host + "': " + ec.message());
    tcp::acceptor acc(io);
    const tcp::endpoint ep(addr, static_cast<unsigned short>(options.port));
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw IoError("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + ec.message());
    if (on_listening) on_listening(acc.local_endpoint().port());
    asio::co_spawn(io, accept_loop(acc, st), asio::detached);
    asio::steady_timer tick(io);
    std::function<void()> check = [&] {
        if (stop.load()) {
            acc.close();
            io.stop();
            return;
        }
        tick.expires_after(std::chrono::milliseconds(100));
        tick.async_wait([&](boost::system::error_code) { check(); });
    };
    check();
    io.run();
}

}  // namespace envforge::model
