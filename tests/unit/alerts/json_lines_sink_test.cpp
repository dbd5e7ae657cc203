#include "alerts/json_lines_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

namespace panguard::alerts {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(JsonLinesSinkTest, ConcurrentWritersProduceWholeLines) {
  char path[] = "/tmp/panguard-sink-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);

  JsonLinesSink sink(AlertFormat::kPanguard, fd);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&sink, t] {
      Alert alert;
      alert.rule = "rule-" + std::to_string(t);
      alert.output = std::string(5000, 'x');  // long lines are where interleaving shows up
      for (int i = 0; i < kPerThread; ++i) ASSERT_TRUE(sink.write(alert));
    });
  }
  for (auto& thread : threads) thread.join();

  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  std::istringstream lines(read_all(fd));
  ::close(fd);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto j = nlohmann::json::parse(line);  // throws on a torn line
    EXPECT_EQ(j["output"].get<std::string>().size(), 5000u);
  }
  EXPECT_EQ(count, kThreads * kPerThread);
}

TEST(JsonLinesSinkTest, ReportsWriteFailure) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // reader gone: EPIPE (SIGPIPE ignored below)
  std::signal(SIGPIPE, SIG_IGN);
  JsonLinesSink sink(AlertFormat::kFalco, fds[1]);
  EXPECT_FALSE(sink.write(Alert{}));
  ::close(fds[1]);
}

}  // namespace
}  // namespace panguard::alerts
