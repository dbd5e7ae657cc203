// An upstream response parsed for relaying. Beast's basic_parser does all the reading: the
// status line, Content-Length, chunked decoding, limits, conflicting framing. This class keeps no
// fields container: it writes the client's header as the fields arrive (the start line and every
// end-to-end field, hop-by-hop ones dropped) and puts body bytes straight into the caller's
// piece. Beast's own parser allocated every field, then the proxy stripped and serialized them
// in two more passes: about 1 us a request (measured).
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace panguard::agent {

// What the client's header says of its connection.
enum class ClientConnection {
  kPersists,   // nothing: an HTTP/1.1 connection persists unless told otherwise
  kKeepAlive,  // "Connection: keep-alive": an HTTP/1.0 client's persists only when told so
  kClose,      // "Connection: close"
};

// The answer for a client whose connection persists when `persists`, on HTTP/1.1 or not.
constexpr ClientConnection client_connection(bool persists, bool http11) {
  if (!persists) return ClientConnection::kClose;
  return http11 ? ClientConnection::kPersists : ClientConnection::kKeepAlive;
}

class RelayResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // The client's header is written to `head`, which is cleared first: its capacity, kept
  // across the requests of an upstream connection, is what spares the allocations.
  explicit RelayResponseParser(std::string& head) : head_(head) {}
  // It writes through a reference to its owner's string: never moved, so never left pointing at
  // a string that moved away.
  RelayResponseParser(RelayResponseParser&&) = delete;

  int status() const { return status_; }  // the status code, once the start line is parsed

  // Where the next body bytes go. body_bytes() counts those that arrived there since; once the
  // piece is full the read stops with http::error::need_buffer, as with Beast's buffer_body.
  void set_body_buffer(std::span<char> piece) {
    body_ = piece;
    body_bytes_ = 0;
  }
  std::size_t body_bytes() const { return body_bytes_; }

  // Ends the client's header, once the upstream's is parsed, with the relay's own framing:
  // Transfer-Encoding: chunked when `chunked`, and the Connection field `connection` asks for.
  void finish_head(bool chunked, ClientConnection connection);

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}  // a response parser gets no request line
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  // Chunk extensions, hop-by-hop by nature, are dropped.
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  std::size_t take_body(std::string_view bytes, error_code& ec);
  void drop_fields_named_by_connection();

  std::string& head_;
  // The Connection tokens joined by ',' (usually empty), keep-alive and content-length left out:
  // the fields they name are hop-by-hop too.
  std::string connection_tokens_;
  int status_ = 0;
  std::span<char> body_;
  std::size_t body_bytes_ = 0;
};

}  // namespace panguard::agent
