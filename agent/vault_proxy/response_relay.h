// Streams an upstream response to the client: the header once read (hop-by-hop fields removed),
// then the body piece by piece through one fixed buffer, so a response of any size costs the
// proxy a bounded amount of memory. Every read and write has its own deadline.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "agent/vault_proxy/proxy_executor.h"
#include "agent/vault_proxy/proxy_http.h"
#include "agent/vault_proxy/socket_deadline.h"
#include "agent/vault_proxy/upstream_pool.h"

namespace panguard::agent {

enum class RelayEnd {
  kComplete,        // the whole response reached the client
  kUpstreamFailed,  // the upstream stalled, closed or sent bad framing mid-body
  kClientFailed,    // the client stopped reading or went away
};

struct RelayResult {
  RelayEnd end = RelayEnd::kComplete;
  std::string why;  // for the log when not complete; never holds message bytes
};

// Relays the response whose header `exchange` holds. The client side keeps the upstream's
// framing: a Content-Length body is copied as is, a chunked one stays chunked (Beast re-frames
// the chunks; extensions and trailers, hop-by-hop by nature, are dropped), and a body delimited
// by the upstream closing is sent chunked so the client connection can live on. A HEAD answer is
// the header alone, Content-Length kept. `keep_alive` is what the client is told;
// `client_deadline` watches the client's socket.
template <typename ClientStream>
ProxyAwaitable<RelayResult> relay_response(UpstreamExchange& exchange, ClientStream& client,
                                           SocketDeadline& client_deadline, bool head,
                                           bool keep_alive, std::span<char> piece,
                                           std::chrono::milliseconds read_timeout,
                                           std::chrono::milliseconds write_timeout) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto& parser = *exchange.parser;
  auto& message = parser.get();

  const bool upstream_chunked = parser.chunked();
  const bool delimited_by_close =
      !head && !parser.is_done() && !upstream_chunked && !parser.content_length();
  strip_hop_by_hop(message);
  message.version(11);
  if (!head && (upstream_chunked || delimited_by_close)) message.chunked(true);
  if (head && upstream_chunked) message.set(http::field::transfer_encoding, "chunked");
  message.keep_alive(keep_alive);

  boost::system::error_code ec;
  // "timed out" rather than "Operation canceled" when a deadline closed the socket.
  auto failure = [&ec](const SocketDeadline& deadline) {
    return deadline.expired() ? std::string("timed out") : ec.message();
  };
  // Only a body that is re-framed as chunks needs Beast's serializer. Otherwise the header is
  // serialized flat once and the body's bytes follow as read: walking the serializer's buffer
  // sequences cost more than the copy it saves (measured), and the bytes are the same.
  const bool rechunk = !head && (upstream_chunked || delimited_by_close);
  std::optional<http::serializer<false, http::buffer_body>> serializer;
  std::string& head_bytes = exchange.connection.head;
  if (rechunk) {
    serializer.emplace(message);
  } else {
    serialize_head(message, head_bytes);
  }
  bool header_sent = false;

  // The header goes out with the first piece of the body: a small response, usually already in
  // the read buffer with its header, then costs one client write instead of two.
  auto& body = message.body();
  for (;;) {
    body.data = nullptr;
    body.size = 0;
    body.more = false;
    if (!head && !parser.is_done()) {
      body.data = piece.data();
      body.size = piece.size();
      exchange.connection.deadline.expires_after(read_timeout);
      // Not std::visit with a coroutine lambda: that would cost a coroutine frame per read.
      auto& upstream = exchange.connection.stream;
      if (auto* plain = std::get_if<0>(&upstream)) {
        co_await http::async_read_some(**plain, exchange.connection.buffer, parser,
                                       asio::redirect_error(kProxyAwait, ec));
      } else {
        co_await http::async_read_some(*std::get<1>(upstream), exchange.connection.buffer, parser,
                                       asio::redirect_error(kProxyAwait, ec));
      }
      // Each deadline covers only its own operation: a slow client write must not be charged to
      // the upstream read before it, nor a slow upstream read to the client write before it.
      exchange.connection.deadline.expires_never();
      if (ec == http::error::need_buffer) ec = {};  // the piece is full
      if (ec) {
        co_return RelayResult{RelayEnd::kUpstreamFailed,
                              "upstream read: " + failure(exchange.connection.deadline)};
      }
      body.size = piece.size() - body.size;
      body.data = piece.data();
      body.more = !parser.is_done();
      if (body.size == 0 && body.more) continue;  // only framing was read
    }
    bool done = false;
    client_deadline.expires_after(write_timeout);
    if (serializer) {
      co_await http::async_write(client, *serializer, asio::redirect_error(kProxyAwait, ec));
      if (ec == http::error::need_buffer) ec = {};  // the piece was sent, more will come
      done = serializer->is_done();
    } else {
      const std::array<asio::const_buffer, 2> bytes{
          asio::buffer(head_bytes.data(), header_sent ? 0 : head_bytes.size()),
          asio::buffer(piece.data(), body.data == nullptr ? 0 : body.size)};
      co_await asio::async_write(client, bytes, asio::redirect_error(kProxyAwait, ec));
      header_sent = true;
      done = head || parser.is_done();
    }
    client_deadline.expires_never();
    if (ec) {
      co_return RelayResult{RelayEnd::kClientFailed, "client write: " + failure(client_deadline)};
    }
    if (done) co_return RelayResult{};
  }
}

}  // namespace panguard::agent
