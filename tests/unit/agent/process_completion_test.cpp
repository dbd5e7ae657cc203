#include "agent/pipeline/process_completion.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <thread>

namespace panguard::agent {
namespace {

namespace asio = boost::asio;

ProcessResult denied_with_alert() {
  ProcessResult result;
  result.denied = true;
  result.evaluated = true;
  result.alert_ids = {"alert-1"};
  return result;
}

TEST(ProcessCompletionTest, AnAnswerGivenDuringProcessIsTakenInPlace) {
  ProcessCompletion completion;
  EXPECT_FALSE(completion.done_inline());
  completion.callback()(denied_with_alert());  // what Pipeline::process does with no store trip
  ASSERT_TRUE(completion.done_inline());
  const ProcessResult result = completion.take();
  EXPECT_TRUE(result.denied);
  EXPECT_EQ(result.alert_ids, std::vector<std::string>{"alert-1"});
}

// The store answers later, from another thread: the coroutine waits, then resumes on its own
// io thread with the result intact.
TEST(ProcessCompletionTest, ALaterAnswerFromAnotherThreadResumesTheWaiter) {
  asio::io_context io;
  ProcessCompletion completion;
  const ProcessDone done = completion.callback();
  std::thread store;
  std::optional<ProcessResult> got;
  std::thread::id resumed_on;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_FALSE(completion.done_inline());
        store = std::thread([&done] {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          done(denied_with_alert());
        });
        got = co_await completion.async_wait(asio::use_awaitable);
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  io.run_for(std::chrono::seconds(5));
  store.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->denied);
  EXPECT_EQ(got->alert_ids, std::vector<std::string>{"alert-1"});
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

// Answered after done_inline() said no but before the wait started: not lost.
TEST(ProcessCompletionTest, AnAnswerBetweenTheCheckAndTheWaitIsNotLost) {
  asio::io_context io;
  ProcessCompletion completion;
  std::optional<ProcessResult> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_FALSE(completion.done_inline());
        completion.callback()(denied_with_alert());
        got = co_await completion.async_wait(asio::use_awaitable);
      },
      asio::detached);
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->alert_ids, std::vector<std::string>{"alert-1"});
}

}  // namespace
}  // namespace panguard::agent
