// Pipeline::process for a coroutine that usually need not wait: most events need no store round
// trip, and Pipeline::process then calls its `done` before returning. async_process (always
// posted, one shared_ptr and one heap-held std::function per event) costs the Vault proxy a
// scheduler turn per request for nothing; this takes the result in place and waits only when the
// store still has to answer.
//
//   ProcessCompletion completion;
//   pipeline.process(std::move(event), now_ns, completion.callback());
//   ProcessResult result;
//   if (completion.done_inline()) result = completion.take();
//   else result = co_await completion.async_wait(token);  // not in a ?: (GCC 12 bug)
//
// The object lives on the waiting coroutine's frame: the callback holds only its address (so the
// std::function stores it in place, no allocation), and the frame cannot resume, or end, before
// the callback has run. The callback may run on another thread (a store answer).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "agent/pipeline/pipeline.h"

namespace panguard::agent {

class ProcessCompletion {
 public:
  ProcessCompletion() = default;
  ProcessCompletion(const ProcessCompletion&) = delete;
  ProcessCompletion& operator=(const ProcessCompletion&) = delete;

  ProcessDone callback() {
    return [this](ProcessResult result) { deliver(std::move(result)); };
  }

  // True when the pipeline answered inside process(): take() it, no wait.
  bool done_inline() {
    std::lock_guard lock(mutex_);
    return result_.has_value();
  }
  ProcessResult take() {
    std::lock_guard lock(mutex_);
    return std::move(*result_);
  }

  // Completes on the handler's executor (posted) once the pipeline has answered.
  template <typename CompletionToken>
  auto async_wait(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(ProcessResult)>(
        [this](auto handler) {
          // Only this slow path pays for type erasure: the handler is move-only and a
          // std::function must be copyable.
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto resume = [shared](ProcessResult result) {
            auto executor = boost::asio::get_associated_executor(*shared);
            boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
              (*shared)(std::move(result));
            });
          };
          std::unique_lock lock(mutex_);
          if (result_) {  // answered between done_inline() and now
            ProcessResult result = std::move(*result_);
            lock.unlock();
            resume(std::move(result));
            return;
          }
          waiter_ = std::move(resume);
        },
        token);
  }

 private:
  void deliver(ProcessResult result) {
    std::unique_lock lock(mutex_);
    if (!waiter_) {
      result_ = std::move(result);
      return;
    }
    auto waiter = std::move(waiter_);
    lock.unlock();
    waiter(std::move(result));
  }

  std::mutex mutex_;
  std::optional<ProcessResult> result_;
  std::function<void(ProcessResult)> waiter_;
};

}  // namespace panguard::agent
