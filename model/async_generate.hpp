// Awaiting a generation from an Asio coroutine: the engine thread's completion is posted back to
// the awaiting coroutine's executor, which counts as outstanding work until then (so an
// io_context with nothing else to do keeps running while the model thinks).
#pragma once

#include <memory>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include "model/engine_service.hpp"

namespace envforge::model {

template <class CompletionToken>
auto async_generate(EngineService& service, GenerationRequest req, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(GenerationResult)>(
        [&service](auto handler, GenerationRequest r) {
            auto ex = boost::asio::prefer(boost::asio::get_associated_executor(handler), boost::asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            r.on_done = [h, ex](GenerationResult&& result) {
                boost::asio::post(ex, [h, res = std::move(result)]() mutable { (*h)(std::move(res)); });
            };
            service.submit(std::move(r));
        },
        token, std::move(req));
}

}  // namespace envforge::model
