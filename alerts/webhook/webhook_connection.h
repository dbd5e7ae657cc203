// One keep-alive HTTP/1.1 connection to the receiver (plain or TLS), driven by coroutines on the
// sink's io thread. Every step (resolve, connect, TLS handshake, write, read) has the same
// timeout; any failure closes the connection and the next post() opens a new one.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "alerts/webhook/webhook_url.h"

namespace panguard::alerts::webhook {

struct PostResult {
  bool responded = false;  // false: no HTTP response (connect/TLS/timeout/protocol error)
  unsigned status = 0;
  std::string retry_after;  // the Retry-After header value, if any
  std::string error;        // why there was no response (no secrets, no body contents)
};

struct SignedHeaders {
  std::string id;
  std::string timestamp;
  std::string signature;
};

// A TLS client context that always verifies the peer, against `ca_file` or, when it is empty,
// the system trust store; TLS 1.2 at least. Throws std::invalid_argument("ca_file <path>: why").
boost::asio::ssl::context verified_client_context(const std::string& ca_file);

// Extra request header fields (name, value), sent in order after Host/User-Agent/Content-Type.
using HeaderFields = std::vector<std::pair<std::string, std::string>>;

class WebhookConnection {
 public:
  // `tls` must outlive the connection; null for http urls.
  // The Alertmanager sink reuses this connection with its own user agent.
  WebhookConnection(boost::asio::any_io_executor executor, const WebhookUrl& url,
                    boost::asio::ssl::context* tls, std::chrono::milliseconds timeout,
                    std::string user_agent = "panguard-webhook");
  ~WebhookConnection();

  boost::asio::awaitable<PostResult> post(const std::string& body, const SignedHeaders& headers);
  // POSTs `body` as application/json with `headers` added.
  boost::asio::awaitable<PostResult> post(const std::string& body, const HeaderFields& headers);
  // Aborts an exchange in progress by closing the socket (the stream objects stay alive until
  // the awaiting post() has seen the error and cleaned up). For stopping the sink.
  void cancel();

 private:
  void close();

  using PlainStream = boost::beast::tcp_stream;
  using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

  boost::asio::awaitable<std::string> open();
  boost::beast::tcp_stream& lowest();

  boost::asio::any_io_executor executor_;
  const WebhookUrl& url_;
  boost::asio::ssl::context* tls_;
  const std::chrono::milliseconds timeout_;
  const std::string user_agent_;
  std::variant<std::monostate, std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace panguard::alerts::webhook
