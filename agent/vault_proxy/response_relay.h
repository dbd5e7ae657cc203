// Streams an upstream response to the client: the header once read (hop-by-hop fields removed),
// then the body piece by piece through one fixed buffer, so a response of any size costs the
// proxy a bounded amount of memory. Every read and write has its own deadline.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "agent/vault_proxy/buffered_parse.h"
#include "agent/vault_proxy/proxy_executor.h"
#include "agent/vault_proxy/proxy_http.h"
#include "agent/vault_proxy/socket_deadline.h"
#include "agent/vault_proxy/upstream_pool.h"
#include "agent/vault_proxy/write_now.h"

namespace panguard::agent {

enum class RelayEnd {
  kComplete,        // the whole response reached the client
  kUpstreamFailed,  // the upstream stalled, closed or sent bad framing mid-body
  kClientFailed,    // the client stopped reading or went away
};

struct RelayResult {
  RelayEnd end = RelayEnd::kComplete;
  std::string why;  // for the log when not complete; never holds message bytes
  // The body ended with the connection (an HTTP/1.0 client and a body of no set length): the
  // client connection must close now.
  bool close_client = false;
};

// What the relay needs to know of the request it answers.
struct RelayFor {
  bool head = false;       // a HEAD: the answer is the header alone
  bool keep_alive = true;  // what the client is told, unless the body must end the connection
  // An HTTP/1.0 client cannot read chunks (RFC 9112 s7), and its connection persists only when
  // the answer says keep-alive.
  bool http11 = true;
};

// Writes `header` (possibly empty), then `body` as one chunk when it is not empty, then the last
// chunk when `done`. A coroutine of its own so that the chunk encoders' buffer sequences, held
// across the write, do not grow relay_response's frame: at over 1 KiB that frame missed glibc's
// per-thread cache and cost a slow allocation on every request, chunked or not.
template <typename ClientStream>
ProxyAwaitable<void> write_as_chunk(ClientStream& client, boost::asio::const_buffer header,
                                    boost::asio::const_buffer body, bool done,
                                    boost::system::error_code& ec) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  if (body.size() > 0 && done) {  // Beast frames the chunks
    co_await asio::async_write(
        client, boost::beast::buffers_cat(header, http::make_chunk(body), http::make_chunk_last()),
        asio::redirect_error(kProxyAwait, ec));
  } else if (body.size() > 0) {
    co_await asio::async_write(client, boost::beast::buffers_cat(header, http::make_chunk(body)),
                               asio::redirect_error(kProxyAwait, ec));
  } else {
    co_await asio::async_write(client, boost::beast::buffers_cat(header, http::make_chunk_last()),
                               asio::redirect_error(kProxyAwait, ec));
  }
}

// Relays the response whose header `exchange` holds. The client side keeps the upstream's
// framing: a Content-Length body is copied as is, a chunked one stays chunked (re-framed one
// chunk per piece; extensions and trailers, hop-by-hop by nature, are dropped), and a body
// delimited by the upstream closing is sent chunked so the client connection can live on. An
// HTTP/1.0 client gets such a body as it comes instead, ended by closing its connection. A HEAD
// answer is the header alone, Content-Length kept. `client_deadline` watches the client's socket.
template <typename ClientStream>
ProxyAwaitable<RelayResult> relay_response(UpstreamExchange& exchange, ClientStream& client,
                                           SocketDeadline& client_deadline, RelayFor request,
                                           std::span<char> piece,
                                           std::chrono::milliseconds read_timeout,
                                           std::chrono::milliseconds write_timeout) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  auto& parser = *exchange.parser;
  const bool head = request.head;

  const bool upstream_chunked = parser.chunked();
  // A response done at its header (204, 304, a zero length) has no body, whatever its
  // Transfer-Encoding says: a last chunk sent after it would be read as the next response.
  const bool body_follows = !head && !parser.is_done();
  const bool needs_framing = body_follows && (upstream_chunked || !parser.content_length());
  const bool rechunk = needs_framing && request.http11;
  const bool ends_with_connection = needs_framing && !request.http11;
  parser.finish_head(
      rechunk || (head && upstream_chunked && request.http11),
      client_connection(request.keep_alive && !ends_with_connection, request.http11));
  const std::string& head_bytes = exchange.connection.head;
  bool header_sent = false;

  boost::system::error_code ec;
  // "timed out" rather than "Operation canceled" when a deadline closed the socket.
  auto failure = [&ec](const SocketDeadline& deadline) {
    return deadline.expired() ? std::string("timed out") : ec.message();
  };
  // The header goes out with the first piece of the body: a small response, usually already in
  // the read buffer with its header, then costs one client write instead of two.
  for (;;) {
    std::size_t body_bytes = 0;
    if (!head && !parser.is_done()) {
      parser.set_body_buffer(piece);
      // A small body usually came with the header: then no read at all.
      if (!parse_buffered(parser, exchange.connection.buffer, ec)) {
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
        // Each deadline covers only its own operation: a slow client write must not be charged
        // to the upstream read before it, nor a slow upstream read to the client write before it.
        exchange.connection.deadline.expires_never();
      }
      if (ec == http::error::need_buffer) ec = {};  // the piece is full
      if (ec) {
        co_return RelayResult{RelayEnd::kUpstreamFailed,
                              "upstream read: " + failure(exchange.connection.deadline)};
      }
      body_bytes = parser.body_bytes();
      if (body_bytes == 0 && !parser.is_done()) continue;  // only framing was read
    }
    const bool done = head || parser.is_done();
    const asio::const_buffer header(head_bytes.data(), header_sent ? 0 : head_bytes.size());
    const asio::const_buffer body(piece.data(), body_bytes);
    header_sent = true;
    client_deadline.expires_after(write_timeout);
    if (!rechunk) {
      const std::array bytes{header, body};
      boost::beast::buffers_suffix<std::array<asio::const_buffer, 2>> unsent(bytes);
      unsent.consume(write_now(client, bytes, ec));
      if (!ec && boost::beast::buffer_bytes(unsent) != 0) {
        co_await asio::async_write(client, unsent, asio::redirect_error(kProxyAwait, ec));
      }
    } else {
      co_await write_as_chunk(client, header, body, done, ec);
    }
    client_deadline.expires_never();
    if (ec) {
      co_return RelayResult{RelayEnd::kClientFailed, "client write: " + failure(client_deadline)};
    }
    if (done) co_return RelayResult{RelayEnd::kComplete, {}, ends_with_connection};
  }
}

}  // namespace panguard::agent
