#include "agent/vault_proxy/vault_proxy_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <string_view>

#include "agent/log/log.h"
#include "agent/vault_proxy/buffered_parse.h"
#include "agent/vault_proxy/relay_response_parser.h"
#include "agent/vault_proxy/request_framing.h"
#include "agent/vault_proxy/response_relay.h"

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::size_t kJwtCacheEntries = 10'000;
constexpr int64_t kJwtCacheMaxTtlSeconds = 300;

// A malformed request (bad chunking, bad Content-Length, ...) as opposed to a closed or timed
// out connection: the former earns a 400 and an alert, the latter nothing.
bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// One relay piece per client connection, allocated on its first forwarded request: a response
// of any size passes through this much proxy memory (plus the upstream read buffer).
constexpr std::size_t kRelayPieceBytes = 32 * 1024;

// Sent before reading the body of a request that says "Expect: 100-continue" (curl does for
// bodies over its threshold, or when told to): without it the client sends the body only after
// its own wait, 1 s for curl.
constexpr std::string_view kContinueAnswer = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

VaultProxyServer::VaultProxyServer(asio::io_context& io,
                                   std::shared_ptr<const VaultProxyRules> rules, Pipeline& pipeline,
                                   Metrics& metrics, const TimeSource& clock,
                                   VaultProxyOptions options)
    : rules_(std::move(rules)),
      jwt_cache_(kJwtCacheEntries, kJwtCacheMaxTtlSeconds),
      gate_{rules_->verifier, jwt_cache_,   rules_->patterns,      rules_->layout,
            pipeline,         rules_->mode, rules_->session_header},
      metrics_(metrics),
      clock_(clock),
      options_(options),
      executor_(io.get_executor()),
      upstream_(executor_, options.upstream),
      listener_(io, "vault proxy", options.max_connections,
                [&metrics] { metrics.count_drop(DropStage::kVaultConnection); }) {}

std::string VaultProxyServer::start(const ListenAddress& listen, const UpstreamAddress& upstream,
                                    PortSharing sharing) {
  if (std::string error = upstream_.resolve(upstream); !error.empty()) return error;
  return listener_.start(
      listen, "vault.listen",
      [this](std::shared_ptr<HttpConnection> c) { return serve(std::move(c)); }, sharing);
}

tcp::endpoint VaultProxyServer::local_endpoint() const { return listener_.local_endpoint(); }

void VaultProxyServer::stop() {
  listener_.stop();
  upstream_.close_idle();
}

asio::awaitable<void> VaultProxyServer::serve(std::shared_ptr<HttpConnection> connection) {
  // One spawn per connection, not per request.
  co_await asio::co_spawn(executor_, serve_connection(std::move(connection)), asio::use_awaitable);
}

ProxyAwaitable<void> VaultProxyServer::serve_connection(
    std::shared_ptr<HttpConnection> connection) {
  // Reads and writes go to the socket itself, not through beast::tcp_stream, whose timer is
  // armed and cancelled around every operation: `deadline` keeps the timeouts instead. The
  // socket stays the connection's, so the listener's stop() still closes it when idle.
  tcp::socket& socket = connection->stream.socket();
  auto shortest = std::min(options_.read_timeout, options_.write_timeout);
  if (options_.listener_tls) shortest = std::min(shortest, options_.handshake_timeout);
  SocketDeadline deadline = closing_deadline(executor_, socket, shortest);
  boost::system::error_code ec;
  // A relayed response leaves in two writes (header, then body): without TCP_NODELAY the body
  // waits on the client's delayed ACK, 40 ms a request (measured).
  socket.set_option(tcp::no_delay(true), ec);
  // Once per connection: the caller cannot change while the connection lasts.
  identity::ClientWorkload client;
  if (client_lookup_) {
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    boost::system::error_code local_ec;
    const tcp::endpoint local = socket.local_endpoint(local_ec);
    if (!ec && !local_ec) client = client_lookup_(remote, local);
    ec.clear();
  }
  if (!options_.listener_tls) {
    socket.non_blocking(true, ec);  // for write_now(); Asio's own operations do not mind
    ec.clear();
    co_await serve_requests(connection, socket, deadline, client);
  } else {
    // The TLS stream borrows the connection's socket, so the deadline and the listener's stop()
    // keep acting on the one socket.
    beast::ssl_stream<tcp::socket&> tls(socket, *options_.listener_tls);
    deadline.expires_after(options_.handshake_timeout);
    co_await tls.async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(kProxyAwait, ec));
    if (!ec) {
      co_await serve_requests(connection, tls, deadline, client);
    } else if (const uint64_t failed = ++failed_handshakes_; log::should_log_occurrence(failed)) {
      // Plain HTTP sent to the TLS port lands here too: it never reaches the HTTP parser.
      log::warning("vault proxy: TLS handshake with a client failed: ", ec.message(), " (", failed,
                   " so far)");
    }
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

template <typename Stream>
ProxyAwaitable<void> VaultProxyServer::serve_requests(std::shared_ptr<HttpConnection> connection,
                                                      Stream& stream, SocketDeadline& deadline,
                                                      const identity::ClientWorkload& client) {
  beast::flat_buffer buffer;  // kept across the connection's requests, capacity and all
  std::unique_ptr<char[]> piece;
  boost::system::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    deadline.expires_after(options_.read_timeout);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(kProxyAwait, ec));

    ProxyResponse response;
    bool close = true;  // after a refusal of a malformed request the framing is not trusted
    bool http11 = true;
    if (ec == http::error::header_limit) {
      connection->busy = true;
      response = refuse_shape(
          "header_too_large",
          json_error(http::status::request_header_fields_too_large, "request header too large"));
    } else if (ec == http::error::body_limit) {  // a Content-Length over the limit
      connection->busy = true;
      response = body_too_large();
    } else if (ec && is_parse_error(ec)) {
      connection->busy = true;
      response = refuse_shape("bad_framing");
    } else if (ec) {
      break;  // closed, timed out, or reset: nothing worth answering
    } else if (auto code = framing_rejection(parser.get())) {
      connection->busy = true;
      response = refuse_shape(*code);
    } else if (const Expectation expectation = body_expectation(parser.get());
               expectation == Expectation::kUnsupported) {
      connection->busy = true;
      response =
          refuse_shape("unsupported_expectation",
                       json_error(http::status::expectation_failed, "unsupported expectation"));
    } else {
      connection->busy = true;
      // A GET is complete with its header, and a small body usually came in the same read.
      bool complete = parser.is_done();
      if (!complete && parse_buffered(parser, buffer, ec)) complete = ec || parser.is_done();
      if (!complete && expectation == Expectation::kContinue) {
        deadline.expires_after(options_.write_timeout);
        co_await asio::async_write(stream, asio::buffer(kContinueAnswer),
                                   asio::redirect_error(kProxyAwait, ec));
        if (ec) break;
        deadline.expires_after(options_.read_timeout);
      }
      if (!complete) {
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(kProxyAwait, ec));
      }
      // No client timeout while the gate and the upstream work: as with beast::tcp_stream, a
      // deadline covers only the client operation it was set for.
      deadline.expires_never();
      if (ec == http::error::body_limit) {  // a chunked body that grew over the limit
        response = body_too_large();
      } else if (ec && is_parse_error(ec)) {
        response = refuse_shape("bad_framing");
      } else if (ec) {
        break;
      } else {
        const ProxyRequest& request = parser.get();
        http11 = request.version() >= 11;
        ProcessCompletion completion;
        GateStart start = begin_gate(gate_, request, client, clock_.now_ns(), completion);
        // Not a conditional expression around co_await: GCC 12 miscompiles the temporaries of
        // one (the result's strings came out freed).
        GateDecision decision;
        if (start.decision) {
          decision = std::move(*start.decision);
        } else {
          const ProcessResult result = co_await completion.async_wait(kProxyAwait);
          decision = finish_gate(gate_, start.verified, result);
        }
        close = !request.keep_alive() || decision.outcome == VaultOutcome::kRejected;
        if (decision.refusal) {
          metrics_.count_vault_request(decision.outcome);
          response = std::move(*decision.refusal);
        } else {
          if (!piece) piece = std::make_unique<char[]>(kRelayPieceBytes);
          const bool keep_alive = !close && !listener_.stopping();
          bool client_usable = true;
          auto failed =
              co_await forward(request, stream, deadline, keep_alive,
                               std::span<char>(piece.get(), kRelayPieceBytes), client_usable);
          if (!failed) {
            connection->busy = false;
            if (!client_usable || !keep_alive || listener_.stopping()) break;
            continue;
          }
          response = std::move(*failed);  // counted as upstream_error
        }
      }
    }

    const bool persists = !close && !listener_.stopping();
    response.keep_alive(persists);
    if (client_connection(persists, http11) == ClientConnection::kKeepAlive) {
      response.set(http::field::connection, "keep-alive");
    }
    deadline.expires_after(options_.write_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(kProxyAwait, ec));
    deadline.expires_never();
    connection->busy = false;
    if (ec || !response.keep_alive() || listener_.stopping()) break;
  }
}

ProxyResponse VaultProxyServer::body_too_large() {
  metrics_.count_vault_request(VaultOutcome::kRejected);
  if (const uint64_t n = ++oversized_requests_; log::should_log_occurrence(n)) {
    log::warning("vault proxy: request body over ", options_.max_body_bytes, " bytes refused (", n,
                 " so far)");
  }
  return json_error(http::status::payload_too_large, "request body too large");
}

ProxyResponse VaultProxyServer::refuse_shape(const std::string& code,
                                             std::optional<ProxyResponse> own_answer) {
  GateDecision decision = reject_request(gate_, code, {}, clock_.now_ns());
  metrics_.count_vault_request(decision.outcome);
  return own_answer ? std::move(*own_answer) : std::move(*decision.refusal);
}

template <typename Stream>
ProxyAwaitable<std::optional<ProxyResponse>> VaultProxyServer::forward(
    const ProxyRequest& request, Stream& client, SocketDeadline& client_deadline, bool keep_alive,
    std::span<char> piece, bool& client_usable) {
  const bool head = request.method() == http::verb::head;
  UpstreamExchange exchange;
  if (auto error = co_await upstream_.send(request, rules_->session_header, head, exchange)) {
    metrics_.count_vault_request(VaultOutcome::kUpstreamError);
    const uint64_t errors = ++upstream_errors_;
    if (log::should_log_occurrence(errors)) {
      log::warning("vault proxy: upstream error: ", error->message, " (", errors, " so far)");
    }
    // Same backoff as the log (1st, 2nd, 4th, ... refusal) so a misconfigured CA cannot flood
    // the platform stream, while the first refusal is always reported.
    if (error->certificate_refused) {
      const uint64_t refusals = ++certificate_refusals_;
      if (log::should_log_occurrence(refusals)) {
        gate_.pipeline.emit_platform(
            {"Vault upstream certificate refused", rules::Priority::kCritical, "vault_proxy",
             error->message + " (" + std::to_string(refusals) + " so far)"},
            clock_.now_ns());
      }
    }
    co_return json_error(http::status::bad_gateway, "vault upstream unavailable");
  }
  metrics_.count_vault_request(VaultOutcome::kForwarded);
  const RelayResult relayed = co_await relay_response(
      exchange, client, client_deadline, RelayFor{head, keep_alive, request.version() >= 11}, piece,
      upstream_.options().read_timeout, options_.write_timeout);
  upstream_.finish(exchange, relayed.end == RelayEnd::kComplete);
  if (relayed.close_client) client_usable = false;
  if (relayed.end != RelayEnd::kComplete) {
    // The client has a partial response: its connection closes, so nothing else is read as
    // the rest of this one.
    client_usable = false;
    const uint64_t broken = ++broken_relays_;
    if (log::should_log_occurrence(broken)) {
      log::warning("vault proxy: response from ", upstream_.address_text(),
                   " broken off: ", relayed.why, " (", broken, " so far)");
    }
  }
  co_return std::nullopt;
}

}  // namespace panguard::agent
