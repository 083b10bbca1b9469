#include "tools/cli/model_calls.hpp"

#include <atomic>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "model/openai_policy.hpp"

namespace envforge::cli {

namespace asio = boost::asio;

std::vector<ModelReply> ask_all(Policy& policy, const std::vector<PolicyRequest>& requests, int jobs, Progress* progress) {
    std::vector<ModelReply> replies(requests.size());
    asio::io_context io;
    std::atomic<size_t> next{0};
    auto worker = [&]() -> asio::awaitable<void> {
        for (size_t i; (i = next++) < requests.size();) {
            try {
                replies[i].message = co_await policy.next(requests[i]);
            } catch (const model::MalformedReply& e) {
                replies[i].error = std::string("malformed reply: ") + e.what();
                replies[i].raw = e.raw;
            } catch (const InvalidInput& e) {
                replies[i].error = std::string("malformed reply: ") + e.what();
            } catch (const std::exception& e) {
                replies[i].error = e.what();
                replies[i].infra = true;
            }
            if (progress) progress->tick(1, !replies[i].message);
        }
    };
    for (int w = 0; w < std::max(1, jobs); ++w)
        asio::co_spawn(io, worker(), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    return replies;
}

std::string raw_record(const PolicyRequest& req, const ModelReply& r) {
    if (r.message && !r.message->raw.empty()) return r.message->raw;
    if (!r.raw.empty()) {
        Json j = Json::parse(r.raw, "raw record");
        j.set("error", r.error);
        return j.dump();
    }
    JsonArray prompt;
    for (const auto& m : req.prompt) prompt.push_back(m.to_json(false));
    Json j = Json::object({{"request", Json::object({{"messages", Json(std::move(prompt))}})}});
    if (r.message) j.set("response", r.message->to_json(false));
    else j.set("error", r.error);
    return j.dump();
}

}  // namespace envforge::cli
