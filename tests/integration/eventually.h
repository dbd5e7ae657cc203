// Waiting on what a test cannot wait on directly: another process or thread, a server's log.
#pragma once

#include <chrono>
#include <thread>

namespace panguard::integration {

// Asks `done` every 10 ms until it says true (then true) or `timeout` passes (then its last
// answer): a deadline on the event, not a fixed sleep a slow machine may outlast.
template <typename Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace panguard::integration
