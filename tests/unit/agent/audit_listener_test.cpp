// The audit socket reader never waits on evaluation: with no consumer and a full queue, records
// are dropped and counted while the connection keeps being read.
#include "agent/vault_audit/audit_listener.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <string>

namespace panguard::agent {
namespace {

TEST(AuditListenerTest, FullQueueDropsAndCountsWithoutBlockingTheReader) {
  boost::asio::io_context io;
  Metrics metrics;
  vault::BoundedRecordQueue queue(2);
  AuditDropCounts drops(metrics);
  AuditListener listener(io, queue, drops, AuditListenerOptions{});
  ASSERT_EQ(listener.start(AuditListenAddress{"", ListenAddress{"127.0.0.1", 0}}), "");
  const std::string bound = listener.bound_address();
  ASSERT_TRUE(bound.starts_with("tcp:127.0.0.1:")) << bound;
  const auto port = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string records = "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n";
  ASSERT_EQ(::send(fd, records.data(), records.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(records.size()));
  ::close(fd);

  // Until all five records are accounted for (queued or dropped), at most about a second.
  for (int i = 0; i < 100 && queue.size() + drops.queue_full_total() < 5; ++i) {
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(drops.queue_full_total(), 3u);
  EXPECT_EQ(queue.try_pop(), "{\"n\":1}");
  EXPECT_NE(metrics.render().find("panguard_drops_total{stage=\"audit_queue\"} 3"),
            std::string::npos);
  listener.stop();
  io.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(listener.open_connections(), 0u);
}

}  // namespace
}  // namespace panguard::agent
