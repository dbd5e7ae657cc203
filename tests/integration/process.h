// Starts the real panguard binary with captured stdout/stderr, for the integration tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace panguard::integration {

using namespace std::chrono_literals;

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // SIGKILLs a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void send_signal(int signal) const;

  // Exit code, 128 + signal number if killed, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  std::string stdout_text() const;
  std::string stderr_text() const;
  // Waits until the output contains `needle` (anywhere, or after byte offset `from`).
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout,
                       std::size_t from = 0) const;
  bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout,
                       std::size_t from = 0) const;

 private:
  struct Stream {
    int fd = -1;
    std::string text;
    bool closed = false;
  };
  void read_loop(Stream& stream);
  bool wait_for(const Stream& stream, const std::string& needle, std::chrono::milliseconds timeout,
                std::size_t from) const;

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Stream out_;
  Stream err_;
  std::thread out_reader_;
  std::thread err_reader_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after `timeout`).
RunResult run_process(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = 30s);

}  // namespace panguard::integration
