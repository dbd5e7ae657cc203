// Streamed responses through the real proxy: a body larger than anything the proxy could buffer
// arrives intact while the daemon's memory stays flat, also to a client that reads slowly;
// chunked framing stays chunked, through the TLS listener too; a HEAD answer keeps its
// Content-Length without a body; and an upstream that stalls mid-body costs the client its
// connection (never a half response followed by another one).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.h"
#include "socket_helpers.h"
#include "test_pki.h"
#include "tls_client.h"
#include "vault_proxy_harness.h"

namespace panguard::integration {
namespace {

// An upstream that answers every request with the same scripted bytes. With `stall_after` it
// sends only that many bytes of the answer and then holds the connection open, silent.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(std::string answer, std::optional<std::size_t> stall_after = {})
      : answer_(std::move(answer)), stall_after_(stall_after) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("scripted upstream: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~ScriptedUpstream() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    {
      std::lock_guard lock(mutex_);
      for (const int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& thread : threads_) thread.join();
    for (const int fd : fds_) ::close(fd);
  }

  uint16_t port() const { return port_; }
  std::size_t requests() const { return requests_; }
  std::size_t connections() const {
    std::lock_guard lock(mutex_);
    return fds_.size();
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Requests carry no body here (GET and HEAD), so a request ends at its blank line.
  void serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      std::size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      buffer.erase(0, end + 4);
      ++requests_;
      const std::size_t size = stall_after_ ? *stall_after_ : answer_.size();
      if (!send_all(fd, answer_.data(), size)) return;
      if (stall_after_) {
        while (::recv(fd, chunk, sizeof chunk, 0) > 0) {
        }
        return;  // silent until the proxy (or the destructor) closes the connection
      }
    }
  }

  static bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  const std::string answer_;
  const std::optional<std::size_t> stall_after_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A figure in kB from /proc/<pid>/status ("VmRSS", "VmHWM"), -1 when absent.
long proc_status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// Resets VmHWM to the current VmRSS (proc(5), clear_refs "5").
bool reset_peak_rss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// The body of a chunked message body text, or nullopt when the framing is broken.
std::optional<std::string> dechunk(const std::string& text) {
  std::string body;
  std::size_t at = 0;
  for (;;) {
    const std::size_t line_end = text.find("\r\n", at);
    if (line_end == std::string::npos) return std::nullopt;
    const std::size_t size = std::stoul(text.substr(at, line_end - at), nullptr, 16);
    at = line_end + 2;
    if (size == 0) return text.compare(at, 2, "\r\n") == 0 ? std::optional(body) : std::nullopt;
    if (at + size + 2 > text.size()) return std::nullopt;
    body.append(text, at, size);
    at += size + 2;
  }
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// `size` random lower-case letters, the same for the same seed.
std::string random_letters(std::size_t size, unsigned seed) {
  std::string text(size, '\0');
  std::mt19937 random(seed);
  for (char& c : text) c = static_cast<char>('a' + random() % 26);
  return text;
}

// Chunked framing of `body`: chunks of 1 to 4,096 bytes, sizes from `seed`, each with an
// extension now and then.
std::string chunked(const std::string& body, unsigned seed) {
  std::mt19937 random(seed);
  std::ostringstream text;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t size = std::min<std::size_t>(1 + random() % 4096, body.size() - at);
    text << std::hex << size << (random() % 8 == 0 ? ";ext=1" : "") << "\r\n";
    text << body.substr(at, size) << "\r\n";
    at += size;
  }
  text << "0\r\n\r\n";
  return text.str();
}

// `response` holds two 200 answers, each with a chunked `body` and no Content-Length.
void expect_two_chunked_answers(const std::string& response, const std::string& body) {
  ASSERT_EQ(count_of(response, "HTTP/1.1 200 OK\r\n"), 2u) << response.substr(0, 300);
  const std::size_t second = response.find("HTTP/1.1 200 OK\r\n", 1);
  for (const std::string& part : {response.substr(0, second), response.substr(second)}) {
    const std::size_t head_end = part.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << part.substr(0, 300);
    const std::string head = part.substr(0, head_end + 2);
    EXPECT_NE(head.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_TRUE(dechunk(part.substr(head_end + 4)) == std::optional<std::string>(body))
        << "a chunked body arrived altered or misframed; head: " << head;
  }
}

class VaultProxyStreamTest : public ::testing::Test {
 protected:
  void start(uint16_t upstream_port, const std::string& extra_vault = "") {
    const std::string config = proxy_config(
        scratch_, "enforce", "http://127.0.0.1:" + std::to_string(upstream_port), extra_vault);
    daemon_ = ProxyDaemon::start(config);
    ASSERT_NE(daemon_.port, 0) << daemon_.process->stderr_text();
    port_ = daemon_.port;
  }

  void TearDown() override {
    if (daemon_.process) {
      EXPECT_EQ(daemon_.stop(), 0) << daemon_.process->stderr_text();
    }
  }

  std::string request(const std::string& method, bool close) const {
    return method + " /v1/secret/data/tenants/acme/blob HTTP/1.1\r\nHost: vault\r\n" +
           (close ? "Connection: close\r\n" : "") + "X-Panguard-Session: " + token_ + "\r\n\r\n";
  }

  ScratchDir scratch_;
  ProxyDaemon daemon_;
  uint16_t port_ = 0;
  const std::string token_ = session_token("acme");
};

TEST_F(VaultProxyStreamTest, LargeResponseStreamsIntactWithFlatProxyMemory) {
  constexpr std::size_t kBodyBytes = 20 * 1024 * 1024;  // over the old 16 MiB buffering limit
  const std::string body = random_letters(kBodyBytes, 7);
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: " +
      std::to_string(kBodyBytes) + "\r\n\r\n" + body);
  start(upstream.port());

  // The peak so far includes startup (libbpf parses the kernel's BTF when the sensor loads):
  // reset it, so VmHWM measures only this exchange.
  ASSERT_TRUE(reset_peak_rss(daemon_.process->pid()));
  const long rss_before = proc_status_kb(daemon_.process->pid(), "VmRSS");
  ASSERT_GT(rss_before, 0);
  const std::string response = raw_exchange(port_, request("GET", true));
  const long peak_after = proc_status_kb(daemon_.process->pid(), "VmHWM");

  const std::size_t head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << response.substr(0, 200);
  const std::string head = response.substr(0, head_end + 2);
  EXPECT_EQ(status_of(response), 200) << head;
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(kBodyBytes) + "\r\n"),
            std::string::npos)
      << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(response.size() - head_end - 4, kBodyBytes);
  EXPECT_TRUE(response.compare(head_end + 4, std::string::npos, body) == 0)
      << "the body arrived altered";
  // Buffering the body would add at least its 20 MiB to the peak; streaming adds a relay piece.
  EXPECT_LT(peak_after - rss_before, 8 * 1024)
      << "VmRSS before " << rss_before << " kB, VmHWM after " << peak_after << " kB";
}

// A client that reads slowly (a 16 KiB receive buffer, a pause after every read) gets the
// whole body: the proxy's writes wait for it (a partial write, then the rest asynchronously)
// and the upstream waits for the proxy, so what waits is one relay piece, not the body.
TEST_F(VaultProxyStreamTest, SlowReadingClientGetsTheWholeBodyWithFlatProxyMemory) {
  constexpr std::size_t kBodyBytes = 12 * 1024 * 1024;
  const std::string body = random_letters(kBodyBytes, 11);
  ScriptedUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBodyBytes) +
                            "\r\n\r\n" + body);
  start(upstream.port());
  ASSERT_TRUE(reset_peak_rss(daemon_.process->pid()));
  const long rss_before = proc_status_kb(daemon_.process->pid(), "VmRSS");

  const int fd = connect_loopback(port_);
  ASSERT_GE(fd, 0);
  const int receive_buffer = 16 * 1024;
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer), 0);
  const std::string get = request("GET", true);
  ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  std::string response;
  char piece[16 * 1024];
  std::size_t reads = 0;
  for (ssize_t n; (n = ::recv(fd, piece, sizeof piece, 0)) > 0; ++reads) {
    response.append(piece, static_cast<std::size_t>(n));
    std::this_thread::sleep_for(1ms);
  }
  ::close(fd);
  const long peak_after = proc_status_kb(daemon_.process->pid(), "VmHWM");

  const std::size_t head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << response.substr(0, 200);
  EXPECT_EQ(status_of(response), 200);
  EXPECT_EQ(response.size() - head_end - 4, kBodyBytes);
  EXPECT_TRUE(response.compare(head_end + 4, std::string::npos, body) == 0)
      << "the body arrived altered";
  EXPECT_GT(reads, kBodyBytes / sizeof piece / 2) << "the client did not read slowly";
  EXPECT_LT(peak_after - rss_before, 8 * 1024)
      << "VmRSS before " << rss_before << " kB, VmHWM after " << peak_after << " kB";
}

TEST_F(VaultProxyStreamTest, ChunkedResponseStaysChunkedAndTheConnectionsLiveOn) {
  const std::string chunked_body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n1\r\n!\r\n0\r\n\r\n";
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunked_body);
  start(upstream.port());

  // Two requests on one client connection: the second is answered only if the first response
  // was framed exactly.
  expect_two_chunked_answers(raw_exchange(port_, request("GET", false) + request("GET", true)),
                             "hello, world!");
  EXPECT_EQ(upstream.requests(), 2u);
  EXPECT_EQ(upstream.connections(), 1u) << "a fully relayed response frees its connection";
}

// The same through the proxy's TLS listener, with a body of many chunks: the relay writes
// through the TLS stream (its asynchronous path) and every piece boundary stays framed.
TEST_F(VaultProxyStreamTest, ChunkedResponseThroughTheTlsListenerStaysFramed) {
  const std::string body = random_letters(300 * 1024, 13);
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunked(body, 13));
  const TestPki pki(scratch_.path(), "trusted");
  const CertFiles listener = pki.issue("proxy", "DNS:localhost");
  start(upstream.port(),
        "  tls:\n    cert_file: " + listener.cert + "\n    key_file: " + listener.key + "\n");

  const TlsExchange exchange =
      tls_exchange(port_, pki.ca_file(), "localhost", request("GET", false) + request("GET", true));
  ASSERT_TRUE(exchange.handshake_ok);
  expect_two_chunked_answers(exchange.response, body);
  EXPECT_EQ(upstream.requests(), 2u);
  EXPECT_EQ(upstream.connections(), 1u);
}

TEST_F(VaultProxyStreamTest, HeadAnswerKeepsContentLengthWithoutABody) {
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12345\r\n\r\n");
  start(upstream.port());

  const std::string response = raw_exchange(port_, request("HEAD", false) + request("HEAD", true));
  ASSERT_EQ(count_of(response, "HTTP/1.1 200 OK\r\n"), 2u) << response;
  EXPECT_EQ(count_of(response, "\r\nContent-Length: 12345\r\n"), 2u) << response;
  EXPECT_EQ(response.size(), response.rfind("\r\n\r\n") + 4) << "no body after a HEAD answer";
  EXPECT_EQ(upstream.connections(), 1u);
}

// An HTTP/1.0 client cannot read chunks (RFC 9112): it gets the body as it comes, ended by the
// proxy closing the connection, even when it asked to keep it alive.
TEST_F(VaultProxyStreamTest, Http10ClientGetsAChunkedBodyUnchunkedAndTheConnectionCloses) {
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n8\r\n, world!\r\n0\r\n\r\n");
  start(upstream.port());

  const std::string http10 =
      "GET /v1/secret/data/tenants/acme/blob HTTP/1.0\r\nHost: vault\r\n"
      "Connection: keep-alive\r\nX-Panguard-Session: " +
      token_ + "\r\n\r\n";
  // raw_exchange reads until the proxy closes: a second request after it is never answered.
  const std::string response = raw_exchange(port_, http10 + request("GET", true));
  ASSERT_EQ(count_of(response, "HTTP/1.1 200 OK\r\n"), 1u) << response;
  const std::size_t head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << response;
  const std::string head = response.substr(0, head_end + 2);
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(response.substr(head_end + 4), "hello, world!");
  EXPECT_EQ(upstream.requests(), 1u);
}

// An HTTP/1.0 client that asks for keep-alive is told so (its connection persists only then,
// RFC 9112 s9.3), by relayed answers and by the proxy's own refusals alike, and is served on.
TEST_F(VaultProxyStreamTest, Http10KeepAliveClientIsToldSoAndServedOnOneConnection) {
  ScriptedUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  start(upstream.port());

  const auto http10 = [&](const std::string& tenant) {
    return "GET /v1/secret/data/tenants/" + tenant +
           "/blob HTTP/1.0\r\nHost: vault\r\nConnection: keep-alive\r\nX-Panguard-Session: " +
           token_ + "\r\n\r\n";
  };
  const std::string response =
      raw_exchange(port_, http10("acme") + http10("globex") + request("GET", true));
  EXPECT_EQ(count_of(response, "HTTP/1.1 200 OK\r\n"), 2u) << response;
  const std::size_t refused = response.find("HTTP/1.1 403 ");
  ASSERT_NE(refused, std::string::npos) << response;
  EXPECT_NE(response.substr(0, refused).find("\r\nConnection: keep-alive\r\n"), std::string::npos)
      << "the relayed answer: " << response;
  const std::string refusal =
      response.substr(refused, response.find("\r\n\r\n", refused) - refused + 2);
  EXPECT_NE(refusal.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << refusal;
  EXPECT_EQ(count_of(response, "Connection: keep-alive"), 2u) << "not to the HTTP/1.1 request";
  EXPECT_EQ(upstream.requests(), 2u);
}

// A 204 or 304 has no body whatever its Transfer-Encoding says: a last chunk written after it
// would be read by the client as the start of the next response.
TEST_F(VaultProxyStreamTest, NoBodyStatusWithChunkedEncodingGetsNoChunks) {
  ScriptedUpstream upstream("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n");
  start(upstream.port());

  const std::string response = raw_exchange(port_, request("GET", false) + request("GET", true));
  ASSERT_EQ(count_of(response, "HTTP/1.1 204 No Content\r\n"), 2u) << response;
  EXPECT_EQ(response.find("Transfer-Encoding"), std::string::npos) << response;
  const std::size_t second = response.find("HTTP/1.1 204", 1);
  EXPECT_EQ(response.find("\r\n\r\n") + 4, second) << "bytes after the first answer: " << response;
  EXPECT_EQ(response.size(), response.rfind("\r\n\r\n") + 4) << response;
  EXPECT_EQ(upstream.connections(), 1u);
}

// Informational answers (here 103 Early Hints) are read past: the client gets the final
// response, and the upstream connection is reused only once that was read, so the next request
// gets its own answer, not the one left over from the last.
TEST_F(VaultProxyStreamTest, InformationalAnswersAreReadPastToTheFinalResponse) {
  ScriptedUpstream upstream(
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfinal");
  start(upstream.port());

  const std::string response = raw_exchange(port_, request("GET", false) + request("GET", true));
  EXPECT_EQ(response.find("103"), std::string::npos) << response;
  ASSERT_EQ(count_of(response, "HTTP/1.1 200 OK\r\n"), 2u) << response;
  EXPECT_EQ(count_of(response, "\r\n\r\nfinal"), 2u) << response;
  EXPECT_EQ(response.size(), response.rfind("final") + 5) << response;
  EXPECT_EQ(upstream.requests(), 2u);
  EXPECT_EQ(upstream.connections(), 1u) << "the pooled connection was reused";
}

// 101 would switch the connection to a protocol the proxy never asked for: 502, not relayed.
TEST_F(VaultProxyStreamTest, SwitchingProtocolsIsAnUpstreamError) {
  ScriptedUpstream upstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
  start(upstream.port());
  const std::string response = raw_exchange(port_, request("GET", true));
  EXPECT_EQ(status_of(response), 502) << response;
  EXPECT_EQ(response.find("101"), std::string::npos) << response;
}

TEST_F(VaultProxyStreamTest, UpstreamStallingMidBodyTimesOutAndClosesTheClient) {
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
  ScriptedUpstream upstream(head + std::string(100000, 'x'), head.size() + 1000);
  start(upstream.port(), "  upstream_timeout_ms: 1000\n");

  // Two keep-alive requests pipelined: after the broken first response the proxy must close,
  // not answer the second on the same connection.
  const auto began = std::chrono::steady_clock::now();
  const std::string response = raw_exchange(port_, request("GET", false) + request("GET", false));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(count_of(response, "HTTP/1.1 "), 1u) << response.substr(0, 300);
  EXPECT_EQ(status_of(response), 200);
  const std::size_t head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(response.size() - head_end - 4, 1000u) << "exactly what the upstream sent";
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 8s) << "closed by the timeout, not by the test's own";
  EXPECT_EQ(upstream.requests(), 1u);
  EXPECT_TRUE(daemon_.process->wait_for_stderr("broken off", 5s)) << daemon_.process->stderr_text();
}

}  // namespace
}  // namespace panguard::integration
