#include "agent/vault_proxy/socket_deadline.h"

#include <algorithm>
#include <utility>

namespace panguard::agent {

struct SocketDeadline::State {
  State(ProxyExecutor executor, std::function<void()> close_socket, std::chrono::milliseconds step)
      : timer(executor), close(std::move(close_socket)), granularity(step) {}

  ProxyTimer timer;
  std::function<void()> close;
  const std::chrono::milliseconds granularity;
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point wake = Clock::time_point::max();  // the timer's expiry while armed
  uint64_t generation = 0;                            // tells a superseded wait from the live one
  bool armed = false;
  bool expired = false;
  bool released = false;  // the owner is gone: the socket may be too
};

SocketDeadline::SocketDeadline(ProxyExecutor executor, std::function<void()> close,
                               std::chrono::milliseconds granularity)
    : state_(std::make_shared<State>(executor, std::move(close),
                                     std::max(granularity, std::chrono::milliseconds(1)))) {}

SocketDeadline& SocketDeadline::operator=(SocketDeadline&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
  }
  return *this;
}

SocketDeadline::~SocketDeadline() { release(); }

void SocketDeadline::release() {
  if (!state_) return;
  state_->released = true;
  state_->close = nullptr;
  state_->timer.cancel();
  state_.reset();
}

void SocketDeadline::expires_after(std::chrono::milliseconds timeout) {
  if (!state_) return;
  State& state = *state_;
  const Clock::time_point now = Clock::now();
  state.deadline = now + timeout;
  state.expired = false;
  // Only a deadline earlier than the sleeping timer (a timeout shorter than the granularity)
  // costs a cancellation; the usual case is one store.
  if (!state.armed || state.deadline < state.wake) {
    arm(state_, std::min(state.deadline, now + state.granularity));
  }
}

void SocketDeadline::expires_never() {
  if (state_) state_->deadline = Clock::time_point::max();
}

bool SocketDeadline::expired() const { return state_ && state_->expired; }

void SocketDeadline::arm(const std::shared_ptr<State>& state, Clock::time_point when) {
  const uint64_t generation = ++state->generation;
  state->armed = true;
  state->wake = when;
  state->timer.expires_at(when);
  state->timer.async_wait([state, generation](const boost::system::error_code&) {
    // Whatever the error code says, the generation tells whether this wait still counts.
    on_wake(state, generation);
  });
}

void SocketDeadline::on_wake(const std::shared_ptr<State>& state, uint64_t generation) {
  if (state->released || generation != state->generation) return;  // superseded or cancelled
  state->armed = false;
  if (state->deadline == Clock::time_point::max()) return;  // the next expires_after() re-arms
  const Clock::time_point now = Clock::now();
  if (now >= state->deadline) {
    state->expired = true;
    state->deadline = Clock::time_point::max();
    if (state->close) state->close();
    return;
  }
  arm(state, std::min(state->deadline, now + state->granularity));
}

}  // namespace panguard::agent
