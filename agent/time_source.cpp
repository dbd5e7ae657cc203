#include "agent/time_source.h"

#include <chrono>

namespace panguard::agent {

int64_t RealTimeSource::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace panguard::agent
