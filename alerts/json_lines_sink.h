// Writes each alert as one JSON line to a file descriptor (stdout by default). One write(2) per
// line under a mutex, so lines from concurrent callers never interleave.
#pragma once

#include <unistd.h>
#include <mutex>

#include "alerts/alert_json.h"
#include "alerts/sink.h"

namespace panguard::alerts {

class JsonLinesSink : public Sink {
 public:
  explicit JsonLinesSink(AlertFormat format, int fd = STDOUT_FILENO) : format_(format), fd_(fd) {}

  bool write(const Alert& alert) override;

 private:
  const AlertFormat format_;
  const int fd_;
  std::mutex mutex_;
};

}  // namespace panguard::alerts
