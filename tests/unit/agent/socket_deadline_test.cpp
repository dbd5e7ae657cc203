#include "agent/vault_proxy/socket_deadline.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A connected loopback pair: `server` is watched, `client` never writes, so a read on `server`
// waits until something closes it.
struct SocketPair {
  asio::io_context io;
  ProxySocket server{io.get_executor()};
  tcp::socket client{io};

  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }

  SocketDeadline deadline(std::chrono::milliseconds granularity) {
    return SocketDeadline(
        io.get_executor(),
        [this] {
          boost::system::error_code ignored;
          server.close(ignored);
        },
        granularity);
  }
};

// Starts a read on `pair.server` and runs the loop until it completes (or `limit` passes).
struct ReadOutcome {
  boost::system::error_code ec;
  std::chrono::steady_clock::duration took{};
  bool completed = false;
};
ReadOutcome read_until_closed(SocketPair& pair, std::chrono::milliseconds limit) {
  ReadOutcome outcome;
  std::array<char, 16> buffer{};
  const auto start = std::chrono::steady_clock::now();
  pair.server.async_read_some(asio::buffer(buffer), [&](boost::system::error_code ec, std::size_t) {
    outcome.ec = ec;
    outcome.completed = true;
    outcome.took = std::chrono::steady_clock::now() - start;
  });
  pair.io.run_for(limit);
  return outcome;
}

TEST(SocketDeadlineTest, ClosesTheSocketWhenTheDeadlinePasses) {
  SocketPair pair;
  SocketDeadline deadline = pair.deadline(50ms);
  deadline.expires_after(100ms);
  const ReadOutcome outcome = read_until_closed(pair, 2s);
  ASSERT_TRUE(outcome.completed);
  EXPECT_EQ(outcome.ec, asio::error::operation_aborted);
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(outcome.took, 100ms);
  EXPECT_LT(outcome.took, 1s);
}

TEST(SocketDeadlineTest, AnExtendedDeadlineIsKeptWithoutFiringEarly) {
  SocketPair pair;
  SocketDeadline deadline = pair.deadline(50ms);
  deadline.expires_after(50ms);
  // Pushed back before it passes: the timer wakes at 50 ms, finds the new deadline, sleeps on.
  asio::steady_timer extend(pair.io, 20ms);
  extend.async_wait([&](boost::system::error_code) { deadline.expires_after(300ms); });
  const ReadOutcome outcome = read_until_closed(pair, 2s);
  ASSERT_TRUE(outcome.completed);
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(outcome.took, 300ms);
}

TEST(SocketDeadlineTest, ATimeoutShorterThanTheGranularityStillFiresOnTime) {
  SocketPair pair;
  SocketDeadline deadline = pair.deadline(5s);
  deadline.expires_after(5s);
  deadline.expires_after(100ms);  // earlier than the sleeping timer: re-armed
  const ReadOutcome outcome = read_until_closed(pair, 3s);
  ASSERT_TRUE(outcome.completed);
  EXPECT_TRUE(deadline.expired());
  EXPECT_LT(outcome.took, 2s);
}

TEST(SocketDeadlineTest, NeverAndReleasedDeadlinesLeaveTheSocketOpen) {
  SocketPair pair;
  SocketDeadline idle = pair.deadline(20ms);
  idle.expires_after(50ms);
  idle.expires_never();  // like a connection going back to the pool
  {
    SocketDeadline released = pair.deadline(20ms);
    released.expires_after(50ms);
  }  // destroyed before its deadline: must not close anything afterwards
  const ReadOutcome outcome = read_until_closed(pair, 300ms);
  EXPECT_FALSE(outcome.completed);
  EXPECT_FALSE(idle.expired());
  EXPECT_TRUE(pair.server.is_open());
}

}  // namespace
}  // namespace panguard::agent
