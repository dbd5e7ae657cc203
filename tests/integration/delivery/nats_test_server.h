// A real `nats-server -js` on a loopback port with its own store directory, for the NATS sink
// tests and nats_bench; plus a reader that lists every message of a JetStream stream.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace panguard::integration {

inline constexpr const char* kNatsServerBin = "/usr/sbin/nats-server";

// A TCP port that was free on 127.0.0.1 a moment ago (bound to port 0, then released).
uint16_t free_tcp_port();

class NatsTestServer {
 public:
  // Picks a free port; `store_dir` is the JetStream store (kept across restart()).
  explicit NatsTestServer(std::string store_dir);
  ~NatsTestServer();

  // Starts nats-server and waits until it accepts clients; throws on failure. When the port is
  // taken, the first start moves to another free port; a restart retries the same one.
  void start();
  // SIGKILLs the server (no clean shutdown) and waits for it to exit.
  void kill();

  uint16_t port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string store_dir_;
  uint16_t port_;
  bool started_ = false;  // once started, the port is fixed: clients hold its URL
  std::unique_ptr<ChildProcess> process_;
};

struct StreamMessage {
  uint64_t seq = 0;
  std::string subject;
  std::string msg_id;  // the Nats-Msg-Id header
  std::string data;
};

// Every message in `stream` on the server at `url`, in sequence order. Throws on error.
std::vector<StreamMessage> read_stream(const std::string& url, const std::string& stream);

}  // namespace panguard::integration
