#include "process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

extern char** environ;

namespace panguard::integration {

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  }
  out_.fd = out_pipe[0];
  err_.fd = err_pipe[0];
  out_reader_ = std::thread([this] { read_loop(out_); });
  err_reader_ = std::thread([this] { read_loop(err_); });
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  out_reader_.join();
  err_reader_.join();
  ::close(out_.fd);
  ::close(err_.fd);
}

void ChildProcess::send_signal(int signal) const { ::kill(pid_, signal); }

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void ChildProcess::read_loop(Stream& stream) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(stream.fd, buf, sizeof buf);
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      stream.closed = true;
      changed_.notify_all();
      return;
    }
    stream.text.append(buf, static_cast<std::size_t>(n));
    changed_.notify_all();
  }
}

bool ChildProcess::wait_for(const Stream& stream, const std::string& needle,
                            std::chrono::milliseconds timeout, std::size_t from) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return stream.text.find(needle, std::min(from, stream.text.size())) != std::string::npos ||
           stream.closed;
  }) && stream.text.find(needle, std::min(from, stream.text.size())) != std::string::npos;
}

std::string ChildProcess::stdout_text() const {
  std::lock_guard lock(mutex_);
  return out_.text;
}

std::string ChildProcess::stderr_text() const {
  std::lock_guard lock(mutex_);
  return err_.text;
}

bool ChildProcess::wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout,
                                   std::size_t from) const {
  return wait_for(out_, needle, timeout, from);
}

bool ChildProcess::wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout,
                                   std::size_t from) const {
  return wait_for(err_, needle, timeout, from);
}

RunResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ChildProcess child(argv);
  const auto code = child.wait_exit(timeout);
  if (!code) child.send_signal(SIGKILL);
  RunResult result;
  result.exit_code = code ? *code : child.wait_exit(5s).value_or(-1);
  // The pipes close once the child is gone; give the readers a moment to drain them.
  child.wait_for_stdout("\x01never\x01", 200ms);
  child.wait_for_stderr("\x01never\x01", 200ms);
  result.out = child.stdout_text();
  result.err = child.stderr_text();
  return result;
}

}  // namespace panguard::integration
