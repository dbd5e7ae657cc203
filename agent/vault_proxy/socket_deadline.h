// One deadline for whatever operation a socket is doing, kept by one lazily re-armed timer.
// beast::tcp_stream arms a timer before every read and write and cancels it after, so each
// operation completes one more handler (the cancelled wait) and touches the timer queue twice.
// Here expires_after() only stores a time: the timer never sleeps further ahead than the shortest
// timeout in use (`granularity`), so a new deadline is never earlier than the timer and never
// needs it cancelled. When the timer wakes before the deadline it sleeps again; once the deadline
// has passed it closes the socket, which fails the pending operation (operation_aborted), and
// expired() tells the caller that this was a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/system/error_code.hpp>

#include "agent/vault_proxy/proxy_executor.h"

namespace panguard::agent {

class SocketDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  SocketDeadline() = default;  // watches nothing
  // `close` closes the watched socket; `granularity` is the shortest timeout that will be set
  // (a shorter one still works, at the cost of a timer cancellation).
  SocketDeadline(ProxyExecutor executor, std::function<void()> close,
                 std::chrono::milliseconds granularity);
  SocketDeadline(SocketDeadline&&) noexcept = default;
  SocketDeadline& operator=(SocketDeadline&& other) noexcept;
  ~SocketDeadline();

  void expires_after(std::chrono::milliseconds timeout);
  void expires_never();  // e.g. an idle pooled connection
  // The last operation failed because its deadline passed (and the socket is closed).
  bool expired() const;

 private:
  struct State;
  static void arm(const std::shared_ptr<State>& state, Clock::time_point when);
  static void on_wake(const std::shared_ptr<State>& state, uint64_t generation);
  void release();

  // Shared with the pending wait, which may outlive this object by one handler run.
  std::shared_ptr<State> state_;
};

// A deadline that closes `socket` when it passes (the pending operation then fails).
template <typename Socket>
SocketDeadline closing_deadline(ProxyExecutor executor, Socket& socket,
                                std::chrono::milliseconds granularity) {
  return SocketDeadline(
      executor,
      [&socket] {
        boost::system::error_code ignored;
        socket.close(ignored);
      },
      granularity);
}

}  // namespace panguard::agent
