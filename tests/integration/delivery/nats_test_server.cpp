#include "nats_test_server.h"

#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace panguard::integration {

uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to port 0 failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

NatsTestServer::NatsTestServer(std::string store_dir)
    : store_dir_(std::move(store_dir)), port_(free_tcp_port()) {}

NatsTestServer::~NatsTestServer() = default;

// Attempts to start nats-server, each ending in "ready" or in the server's exit.
constexpr int kStartAttempts = 10;

void NatsTestServer::start() {
  std::string log;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kNatsServerBin, "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port_), "-sd", store_dir_, "-m", "0"});
    // Returns early, false, when the server exits (its stderr closes).
    if (process_->wait_for_stderr("Server is ready", 15s)) {
      started_ = true;
      return;
    }
    log = process_->stderr_text();
    process_->send_signal(SIGKILL);
    process_->wait_exit(10s);
    process_.reset();
    if (log.find("address already in use") == std::string::npos) break;
    if (!started_) {
      // Someone took the port between free_tcp_port() and the bind: take another one.
      port_ = free_tcp_port();
    } else {
      // A restart must keep its port (clients reconnect to it): whatever holds it, such as the
      // killed server's socket not yet released, is given a moment.
      std::this_thread::sleep_for(500ms);
    }
  }
  throw std::runtime_error("nats-server did not start: " + log);
}

void NatsTestServer::kill() {
  if (!process_) return;
  process_->send_signal(SIGKILL);
  process_->wait_exit(10s);
  process_.reset();
}

std::vector<StreamMessage> read_stream(const std::string& url, const std::string& stream) {
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  std::vector<StreamMessage> messages;
  std::string error;
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK ||
      natsConnection_JetStream(&js, conn, nullptr) != NATS_OK) {
    error = "cannot connect to " + url;
  } else if (js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr) != NATS_OK) {
    error = "no stream " + stream;
  } else {
    for (uint64_t seq = info->State.FirstSeq; info->State.Msgs > 0 && seq <= info->State.LastSeq;
         ++seq) {
      natsMsg* msg = nullptr;
      if (js_GetMsg(&msg, js, stream.c_str(), seq, nullptr, nullptr) != NATS_OK) continue;
      StreamMessage m;
      m.seq = seq;
      m.subject = natsMsg_GetSubject(msg);
      const char* id = nullptr;
      if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) m.msg_id = id;
      m.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
      messages.push_back(std::move(m));
      natsMsg_Destroy(msg);
    }
  }
  if (info != nullptr) jsStreamInfo_Destroy(info);
  if (js != nullptr) jsCtx_Destroy(js);
  if (conn != nullptr) natsConnection_Destroy(conn);
  if (!error.empty()) throw std::runtime_error(error);
  return messages;
}

}  // namespace panguard::integration
