#include "model/openai_policy.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "model/http_client.hpp"
#include "common/errors.hpp"

namespace envforge::model {

namespace asio = boost::asio;

Json openai_request_body(const OpenAiOptions& o, const PolicyRequest& req) {
    JsonArray messages;
    for (const Message& m : req.prompt) messages.push_back(m.to_json(false));
    Json body = Json::object({{"model", o.model}, {"messages", Json(std::move(messages))}});
    if (req.task && !req.task->tools.empty()) {
        JsonArray tools;
        for (const auto& t : req.task->tools) tools.push_back(t.to_openai());
        body.set("tools", Json(std::move(tools)));
    }
    body.set("temperature", o.temperature);
    body.set("top_p", o.top_p);
    body.set("max_tokens", o.max_tokens);
    body.set("seed", static_cast<int64_t>(req.seed & ((uint64_t{1} << 53) - 1)));
    return body;
}

Message openai_parse_response(const std::string& body) {
    const Json j = Json::parse(body, "chat completion response");
    const Json* choices = j.find("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty())
        throw InvalidInput("chat completion response: no choices (" + body.substr(0, 200) + ")");
    const Json* msg = choices->as_array()[0].find("message");
    if (!msg || !msg->is_object()) throw InvalidInput("chat completion response: choices[0] has no message");
    Json m = *msg;
    m.set("role", "assistant");
    return Message::from_json(m);
}

namespace {

bool retryable(const HttpResponse& r) { return r.status == 0 || r.status == 408 || r.status == 409 || r.status == 429 || r.status >= 500; }

class OpenAiPolicy final : public Policy {
public:
    explicit OpenAiPolicy(OpenAiOptions o) : o_(std::move(o)) {
        while (!o_.base_url.empty() && o_.base_url.back() == '/') o_.base_url.pop_back();
        if (o_.base_url.rfind("http://", 0) != 0 && o_.base_url.rfind("https://", 0) != 0)
            throw InvalidInput("--base-url '" + o_.base_url + "': expected http:// or https://");
    }
    std::string name() const override { return "openai"; }

    asio::awaitable<Message> next(const PolicyRequest& req) override {
        const Json body = openai_request_body(o_, req);
        HttpRequest h;
        h.url = o_.base_url + "/chat/completions";
        h.headers = {"Content-Type: application/json"};
        // Read at each request (a rotated key applies at once) and never stored.
        if (const char* key = std::getenv(o_.api_key_env.c_str()); key && *key)
            h.headers.push_back(std::string("Authorization: Bearer ") + key);
        h.body = body.dump();
        h.timeout_seconds = o_.request_timeout;
        HttpResponse r;
        int attempt = 0;
        for (;; ++attempt) {
            r = co_await async_http(client_, h, asio::use_awaitable);
            if (r.status == 200 || !retryable(r) || attempt >= o_.max_retries) break;
            double wait = std::min(60.0, o_.backoff_seconds * std::pow(2.0, attempt));
            if (r.retry_after >= 0) wait = std::min(r.retry_after, 300.0);
            asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(static_cast<int64_t>(wait * 1000)));
            co_await timer.async_wait(asio::use_awaitable);
        }
        if (r.status != 200) {
            const std::string what = r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300) : r.error;
            throw std::runtime_error("openai: " + h.url + " failed after " + std::to_string(attempt + 1) + " attempt(s): " + what);
        }
        Message m;
        try {
            m = openai_parse_response(r.body);
        } catch (const InvalidInput& e) {
            throw MalformedReply(
                e.what(),
                Json::object({{"request", body}, {"response", Json(r.body)}, {"attempts", attempt + 1}, {"seconds", r.seconds}}).dump());
        }
        Json response;
        try {
            response = Json::parse(r.body);
        } catch (const std::exception&) {
            response = Json(r.body);
        }
        m.raw = Json::object({{"request", body}, {"response", response}, {"attempts", attempt + 1}, {"seconds", r.seconds}}).dump();
        co_return m;
    }

private:
    OpenAiOptions o_;
    HttpClient client_;
};

}  // namespace

std::unique_ptr<Policy> make_openai_policy(const OpenAiOptions& options) { return std::make_unique<OpenAiPolicy>(options); }

}  // namespace envforge::model
