// Drives RelayResponseParser over raw upstream bytes as response_relay.h does, and the oracle it
// must match: Beast's own response_parser, then what the proxy did before it had its own parser
// (erase the fields is_hop_by_hop() names, judged against the header as received; HTTP/1.1; the
// relay's framing; Beast's serializer for the header). Shared by relay_response_parser_test.cpp
// and tests/fuzz/fuzz_relay_response.cpp. No sockets: bytes go in with put() and put_eof().
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/vault_proxy/proxy_http.h"
#include "agent/vault_proxy/relay_response_parser.h"

namespace panguard::agent::relay_oracle {

namespace http = boost::beast::http;
using boost::system::error_code;

struct RelayOptions {
  bool head = false;       // the request was a HEAD: skip(true), no body read
  bool keep_alive = true;  // what the client is told
  // The relay's framing for the client; empty: decided as response_relay.h does.
  std::optional<bool> chunked = std::nullopt;
  std::size_t piece_size = 7;  // the relay's body buffer, tiny so that bodies split
  std::size_t read_size = 0;   // bytes each read of the upstream brings; 0: all of them at once
  std::uint32_t header_limit = 64 * 1024;                                // upstream_pool.cpp
  std::uint64_t body_limit = std::numeric_limits<std::uint64_t>::max();  // upstream_pool.cpp
};

// What the client would get, and how the upstream's bytes were taken.
struct Relayed {
  error_code error;            // the first error; need_buffer (a full piece) is not one
  bool done = false;           // the whole message was parsed
  bool stuck = false;          // a parse step took nothing and gave nothing
  std::size_t used = 0;        // bytes of the input consumed
  bool chunked = false;        // the framing finish_head was given
  std::string head_at_header;  // the client's header once finish_head ran
  std::string head_sent;       // the same string when the relay writes it to the client
  std::string body;
  std::vector<std::string> pieces;  // the body as it filled the relay's pieces
};

// The upstream's bytes as the relay's reads see them: `available` of them have arrived so far.
struct Input {
  Input(std::string_view bytes, std::size_t read_size)
      : wire(bytes), step(read_size), available(read_size == 0 ? bytes.size() : 0) {}
  std::string_view wire;
  std::size_t step;  // 0: everything arrived at once
  std::size_t available;
  std::size_t used = 0;
};

// One read step as the relay's reads take it (Beast's read_some): put() on what arrived and is
// not parsed yet; after need_more, the next read's bytes before the next put() (never the same
// bytes again: Beast asserts that in debug builds); at the end of the input what Beast's reads do
// on EOF: put_eof(), or end_of_stream before any byte. need_buffer is returned as is.
template <bool isRequest>
error_code parse_step(http::basic_parser<isRequest>& parser, Input& in) {
  error_code ec;
  for (;;) {
    if (in.used < in.available) {
      in.used +=
          parser.put(boost::asio::buffer(in.wire.data() + in.used, in.available - in.used), ec);
      if (ec != http::error::need_more) return ec;
      ec = {};
    }
    if (in.available == in.wire.size()) break;
    in.available = std::min(in.wire.size(), in.available + in.step);  // the next read
  }
  if (!parser.got_some()) return http::error::end_of_stream;
  parser.put_eof(ec);
  return ec;
}

template <bool isRequest, typename Enough>
error_code parse_until(http::basic_parser<isRequest>& parser, Input& in, Enough enough) {
  error_code ec;
  while (!ec && !enough()) ec = parse_step(parser, in);
  return ec;
}

// The limits upstream_pool.cpp sets, and skip() for a HEAD answer: the same for both parsers.
inline void configure(http::basic_parser<false>& parser, const RelayOptions& options) {
  parser.header_limit(options.header_limit);
  parser.body_limit(options.body_limit);
  parser.skip(options.head);
}

// response_relay.h's choice: a chunked body stays chunked, one delimited by EOF becomes chunked,
// a response done at its header is not chunked, and a HEAD answer says chunked when the upstream
// did.
template <bool isRequest>
bool relay_chunked(const http::basic_parser<isRequest>& parser, const RelayOptions& options) {
  if (options.chunked) return *options.chunked;
  const bool upstream_chunked = parser.chunked();
  if (options.head) return upstream_chunked;
  // A response done at its header (204, 304, a zero length) has no body to frame.
  return !parser.is_done() && (upstream_chunked || !parser.content_length());
}

// The body loop of response_relay.h: one parse step per piece, and the header goes to the
// client with the first piece that holds body bytes, or once the message is done.
inline Relayed relay_with_parser(std::string_view wire, const RelayOptions& options) {
  Relayed out;
  std::string head = "stale bytes of the connection's last response\r\n";
  RelayResponseParser parser(head);
  configure(parser, options);
  Input in(wire, options.read_size);
  out.error = parse_until(parser, in, [&] { return parser.is_header_done(); });
  if (!out.error) {
    out.chunked = relay_chunked(parser, options);
    parser.finish_head(out.chunked, client_connection(options.keep_alive, true));
    out.head_at_header = head;
    std::string piece(options.piece_size, '\0');
    bool header_sent = false;
    for (;;) {
      if (!parser.is_done()) {
        parser.set_body_buffer(piece);
        const std::size_t before = in.used;
        out.error = parse_step(parser, in);
        if (out.error == http::error::need_buffer) out.error = {};
        if (out.error) break;
        if (in.used == before && parser.body_bytes() == 0 && !parser.is_done()) {
          out.stuck = true;  // the relay would parse the same bytes forever
          break;
        }
        if (parser.body_bytes() == 0 && !parser.is_done()) continue;
        if (parser.body_bytes() > 0) out.pieces.emplace_back(piece.data(), parser.body_bytes());
      }
      if (!header_sent) out.head_sent = head;
      header_sent = true;
      if (parser.is_done()) break;
    }
  }
  for (const std::string& piece : out.pieces) out.body += piece;
  out.used = in.used;
  out.done = parser.is_done();
  return out;
}

// The relay's header with repeated field names brought together as Beast's fields container
// inserts them (after the last field of the same name). The relay keeps arrival order instead:
// RFC 9110 lets a proxy reorder fields of different names but not those of one name, and both
// orders keep the latter, so this is the one difference the oracle allows.
inline std::string grouped_like_beast(const std::string& head) {
  const std::size_t fields_begin = head.find("\r\n") + 2;
  std::vector<std::string> lines;
  std::size_t at = fields_begin;
  while (at < head.size() && head.compare(at, 2, "\r\n") != 0) {
    const std::size_t end = head.find("\r\n", at) + 2;
    std::string line = head.substr(at, end - at);
    const std::string_view name(line.data(), line.find(':'));
    std::size_t after_last_of_name = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (boost::beast::iequals(std::string_view(lines[i]).substr(0, lines[i].find(':')), name)) {
        after_last_of_name = i + 1;
      }
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(after_last_of_name), std::move(line));
    at = end;
  }
  std::string out = head.substr(0, fields_begin);
  for (const std::string& line : lines) out += line;
  return out + head.substr(at);
}

// The header as the proxy built it with Beast's fields container.
inline std::string beast_client_head(const http::response_header<>& upstream, bool head_request,
                                     bool chunked, bool keep_alive) {
  http::response<http::empty_body> message(upstream);
  const http::fields judged = upstream;  // the Connection tokens before any erase
  // Content-Length frames the body the relay passes on as it is: it stays even when Connection
  // names it.
  for (auto field = message.begin(); field != message.end();) {
    const bool dropped =
        field->name() != http::field::content_length && is_hop_by_hop(judged, field->name_string());
    field = dropped ? message.erase(field) : std::next(field);
  }
  message.version(11);
  // The old relay's two branches: chunked(true) also drops Content-Length, which a body it
  // re-chunks never has; a HEAD answer kept it.
  if (chunked && !head_request) message.chunked(true);
  if (chunked && head_request) message.set(http::field::transfer_encoding, "chunked");
  message.keep_alive(keep_alive);
  std::ostringstream bytes;
  bytes << message.base();
  return bytes.str();
}

inline Relayed relay_with_beast(std::string_view wire, const RelayOptions& options) {
  Relayed out;
  http::response_parser<http::string_body> parser;
  configure(parser, options);
  Input in(wire, options.read_size);
  out.error = parse_until(parser, in, [&] { return parser.is_header_done(); });
  if (!out.error) {
    out.chunked = relay_chunked(parser, options);
    out.head_at_header =
        beast_client_head(parser.get().base(), options.head, out.chunked, options.keep_alive);
    out.head_sent = out.head_at_header;
    out.error = parse_until(parser, in, [&] { return parser.is_done(); });
    out.body = parser.get().body();
  }
  out.used = in.used;
  out.done = parser.is_done();
  return out;
}

}  // namespace panguard::agent::relay_oracle
