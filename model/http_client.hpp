// An HTTP client for model servers on libcurl's multi interface: one background thread drives
// every transfer, so hundreds of requests can be in flight without a thread each. Completions are
// callbacks on that thread; async_http_post posts them back to an Asio coroutine.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

namespace envforge::model {

struct HttpRequest {
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // POST body (empty: GET)
    double timeout_seconds = 600;
};

struct HttpResponse {
    long status = 0;  // 0 when the transfer failed (error says why)
    std::string body;
    std::string error;  // transport error (connection refused, timeout, ...)
    bool timed_out = false;
    double retry_after = -1;  // seconds from a Retry-After header, -1 when absent
    double seconds = 0;
};

class HttpClient {
public:
    HttpClient();
    ~HttpClient();  // in-flight requests complete with an error
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    void send(HttpRequest req, std::function<void(HttpResponse&&)> done);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

template <class CompletionToken>
auto async_http(HttpClient& client, HttpRequest req, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(HttpResponse)>(
        [&client](auto handler, HttpRequest r) {
            auto ex = boost::asio::prefer(boost::asio::get_associated_executor(handler), boost::asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            client.send(std::move(r), [h, ex](HttpResponse&& resp) {
                boost::asio::post(ex, [h, res = std::move(resp)]() mutable { (*h)(std::move(res)); });
            });
        },
        token, std::move(req));
}

}  // namespace envforge::model
