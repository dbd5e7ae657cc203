// HTTPS GETs to the Kubernetes API server, one connection per request: a LIST reads its body
// whole (bounded), a WATCH hands the body over piece by piece as it arrives (Beast decodes the
// chunked encoding). TLS verification is always on — the cluster CA, TLS 1.2+, the server's name
// or IP checked — with no switch to turn it off. The bearer token is read from the
// ServiceAccountToken for every request and never logged.
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "agent/identity/kube/in_cluster_config.h"

namespace panguard::agent::identity::kube {

using KubeTlsContext = std::shared_ptr<boost::asio::ssl::context>;

// Verifies peers against the PEM bundle `ca_file`; the error names the file.
std::variant<KubeTlsContext, std::string> make_kube_tls_context(const std::string& ca_file);

struct ApiResponse {
  unsigned status = 0;  // 0: no HTTP response; `error` says why
  std::string body;     // a GET's body; for other statuses, the start of the body (for logs)
  std::string error;    // connection, TLS, timeout, limit, or a stop asked by the body reader
};

class KubeClient {
 public:
  KubeClient(boost::asio::any_io_executor executor, ApiServer server, KubeTlsContext tls,
             ServiceAccountToken& token, std::chrono::seconds request_timeout);

  boost::asio::awaitable<ApiResponse> get(const std::string& target, std::size_t max_body_bytes);

  // `on_bytes` sees each piece of a 200 body and returns "" to go on, or why to stop (which
  // becomes ApiResponse::error). `idle_timeout` bounds the wait for each piece.
  boost::asio::awaitable<ApiResponse> watch(
      const std::string& target, std::chrono::seconds idle_timeout,
      const std::function<std::string(std::string_view bytes)>& on_bytes);

 private:
  boost::asio::any_io_executor executor_;
  const ApiServer server_;
  const KubeTlsContext tls_;
  ServiceAccountToken& token_;
  const std::chrono::seconds request_timeout_;
};

}  // namespace panguard::agent::identity::kube
