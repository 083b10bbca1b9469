#include "model/http_client.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

namespace envforge::model {

namespace {

struct Transfer {
    HttpRequest req;
    std::function<void(HttpResponse&&)> done;
    HttpResponse resp;
    curl_slist* headers = nullptr;
    std::chrono::steady_clock::time_point start;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
    static_cast<Transfer*>(user)->resp.body.append(data, size * n);
    return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
    std::string line(data, size * n);
    if (line.size() > 12 && strncasecmp(line.c_str(), "retry-after:", 12) == 0) {
        const double v = std::atof(line.c_str() + 12);
        if (v >= 0) static_cast<Transfer*>(user)->resp.retry_after = v;
    }
    return size * n;
}

}  // namespace

struct HttpClient::Impl {
    CURLM* multi = nullptr;
    std::mutex mu;
    std::deque<std::unique_ptr<Transfer>> incoming;
    std::atomic<bool> quit{false};
    std::thread thread;

    void run() {
        std::vector<std::pair<CURL*, std::unique_ptr<Transfer>>> active;
        while (!quit.load()) {
            std::deque<std::unique_ptr<Transfer>> fresh;
            {
                std::lock_guard lock(mu);
                fresh.swap(incoming);
            }
            for (auto& t : fresh) {
                CURL* e = curl_easy_init();
                curl_easy_setopt(e, CURLOPT_URL, t->req.url.c_str());
                for (const auto& h : t->req.headers) t->headers = curl_slist_append(t->headers, h.c_str());
                curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
                if (!t->req.body.empty()) {
                    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body.data());
                    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->req.body.size()));
                }
                curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->req.timeout_seconds * 1000));
                curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
                curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
                curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
                curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
                curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
                curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
                t->start = std::chrono::steady_clock::now();
                curl_multi_add_handle(multi, e);
                active.emplace_back(e, std::move(t));
            }
            int running = 0;
            curl_multi_perform(multi, &running);
            int left = 0;
            while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
                if (msg->msg != CURLMSG_DONE) continue;
                CURL* e = msg->easy_handle;
                const CURLcode code = msg->data.result;
                for (auto it = active.begin(); it != active.end(); ++it) {
                    if (it->first != e) continue;
                    Transfer& t = *it->second;
                    if (code == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &t.resp.status);
                    else {
                        t.resp.error = curl_easy_strerror(code);
                        t.resp.timed_out = code == CURLE_OPERATION_TIMEDOUT;
                    }
                    t.resp.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.start).count();
                    curl_multi_remove_handle(multi, e);
                    curl_easy_cleanup(e);
                    curl_slist_free_all(t.headers);
                    auto owned = std::move(it->second);
                    active.erase(it);
                    owned->done(std::move(owned->resp));
                    break;
                }
            }
            curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
        }
        for (auto& [e, t] : active) {
            curl_multi_remove_handle(multi, e);
            curl_easy_cleanup(e);
            curl_slist_free_all(t->headers);
            t->resp.error = "the HTTP client is shutting down";
            t->done(std::move(t->resp));
        }
        std::lock_guard lock(mu);
        for (auto& t : incoming) {
            t->resp.error = "the HTTP client is shutting down";
            t->done(std::move(t->resp));
        }
    }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    impl_->multi = curl_multi_init();
    impl_->thread = std::thread([this] { impl_->run(); });
}

HttpClient::~HttpClient() {
    impl_->quit = true;
    curl_multi_wakeup(impl_->multi);
    impl_->thread.join();
    curl_multi_cleanup(impl_->multi);
}

void HttpClient::send(HttpRequest req, std::function<void(HttpResponse&&)> done) {
    auto t = std::make_unique<Transfer>();
    t->req = std::move(req);
    t->done = std::move(done);
    {
        std::lock_guard lock(impl_->mu);
        impl_->incoming.push_back(std::move(t));
    }
    curl_multi_wakeup(impl_->multi);
}

}  // namespace envforge::model
