// `envforge view --serve`: the viewer's files from a ViewSource over HTTP on loopback, one
// request per connection, GET and HEAD only.
#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/errors.hpp"
#include "tools/cli/view_export.hpp"

namespace envforge::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

http::response<http::string_body> respond(const ViewSource& source, const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(false);
    res.set(http::field::server, "envforge");
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'");
    std::string target(req.target());
    target = target.substr(0, target.find_first_of("?#"));
    const std::string name = target == "/" ? "index.html" : target.substr(target.empty() ? 0 : 1);
    std::string body, type;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        res.result(http::status::method_not_allowed);
        res.body() = "only GET\n";
    } else if (target.empty() || target[0] != '/' || !source.get(name, body, type)) {
        res.result(http::status::not_found);
        res.body() = "not found\n";
    } else {
        res.result(http::status::ok);
        res.set(http::field::content_type, type);
        if (req.method() == http::verb::get) res.body() = std::move(body);
    }
    res.prepare_payload();
    return res;
}

asio::awaitable<void> handle(const ViewSource& source, tcp::socket socket) {
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    boost::system::error_code ec;
    co_await http::async_read(socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> res;
    try {
        res = respond(source, parser.get());
    } catch (const std::exception& e) {  // a store that changed under us: an error page, not a crash
        res.result(http::status::internal_server_error);
        res.body() = std::string(e.what()) + "\n";
        res.prepare_payload();
    }
    co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    socket.shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> accept_loop(const ViewSource& source, tcp::acceptor& acc) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (!acc.is_open()) co_return;
            continue;
        }
        asio::co_spawn(acc.get_executor(), handle(source, std::move(socket)), asio::detached);
    }
}

}  // namespace

void serve_viewer(const ViewSource& source, const std::string& host, int port, const std::function<void(int)>& on_listening,
                  const std::atomic<bool>& stop) {
    asio::io_context io;
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec) throw InvalidInput("--host '" + host + "': " + ec.message());
    tcp::acceptor acc(io);
    const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw IoError("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
    if (on_listening) on_listening(acc.local_endpoint().port());
    asio::co_spawn(io, accept_loop(source, acc), asio::detached);
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

}  // namespace envforge::cli
