// Pipeline::process as an Asio asynchronous operation, so a coroutine can
// `co_await async_process(pipeline, event, now, asio::use_awaitable)` and its io thread keeps
// serving other connections while the store answers. The completion always runs on the
// handler's executor (posted, even when the pipeline finished inline).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

#include "agent/pipeline/pipeline.h"

namespace panguard::agent {

template <typename CompletionToken>
auto async_process(Pipeline& pipeline, rules::Event event, int64_t now_ns,
                   CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(ProcessResult)>(
      [&pipeline](auto handler, rules::Event moved_event, int64_t time_ns) {
        // Handlers are move-only; ProcessDone is a std::function, which must be copyable.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        pipeline.process(std::move(moved_event), time_ns, [shared](ProcessResult result) {
          auto executor = boost::asio::get_associated_executor(*shared);
          boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      token, std::move(event), now_ns);
}

}  // namespace panguard::agent
