#include "agent/vault_proxy/relay_response_parser.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cstring>

#include "agent/vault_proxy/proxy_http.h"

namespace panguard::agent {

namespace http = boost::beast::http;

void RelayResponseParser::on_response_impl(int code, string_view reason, int, error_code&) {
  // Always HTTP/1.1 to the client. Beast's rule for the reason: the upstream's as received, or
  // the standard one when it sent none. The parser has checked `code` has three digits.
  const string_view phrase =
      reason.empty() ? http::obsolete_reason(static_cast<http::status>(code)) : reason;
  status_ = code;
  head_.clear();
  head_.append("HTTP/1.1 ");
  head_ += static_cast<char>('0' + code / 100 % 10);
  head_ += static_cast<char>('0' + code / 10 % 10);
  head_ += static_cast<char>('0' + code % 10);
  head_.append(" ").append(phrase).append("\r\n");
  connection_tokens_.clear();
}

void RelayResponseParser::on_field_impl(http::field name, string_view name_string,
                                        string_view value, error_code&) {
  // Trailer fields of a chunked body come here too, after the header was finished: trailers,
  // hop-by-hop by nature, are dropped.
  if (is_header_done()) return;
  if (name == http::field::connection) {
    for (const auto token : http::token_list(value)) {
      // Keep-Alive is dropped anyway, and a keep-alive upstream names it in every response.
      // Content-Length stays whatever Connection says: it frames the body, which the relay
      // passes on as it is (without it a keep-alive client could not tell where the body ends).
      if (boost::beast::iequals(token, "keep-alive") ||
          boost::beast::iequals(token, "content-length")) {
        continue;
      }
      if (!connection_tokens_.empty()) connection_tokens_ += ',';
      connection_tokens_.append(token);
    }
    return;
  }
  if (is_hop_by_hop_field(name)) return;
  head_.append(name_string).append(": ").append(value).append("\r\n");
}

void RelayResponseParser::on_header_impl(error_code&) {
  if (!connection_tokens_.empty()) drop_fields_named_by_connection();
}

// The fields Connection names may have come before it, so they are taken out of the written
// header afterwards. Each line there is "name: value\r\n" and a name holds no ':', so the text
// splits unambiguously.
void RelayResponseParser::drop_fields_named_by_connection() {
  const std::size_t fields_begin = head_.find("\r\n") + 2;  // after the start line
  std::size_t kept_end = fields_begin;
  for (std::size_t line = fields_begin; line < head_.size();) {
    const std::size_t line_end = head_.find("\r\n", line) + 2;
    const std::string_view name(head_.data() + line, head_.find(':', line) - line);
    if (!named_by_connection(connection_tokens_, name)) {
      if (kept_end != line)
        std::memmove(head_.data() + kept_end, head_.data() + line, line_end - line);
      kept_end += line_end - line;
    }
    line = line_end;
  }
  head_.resize(kept_end);
}

void RelayResponseParser::finish_head(bool chunked, ClientConnection connection) {
  if (chunked) head_.append("Transfer-Encoding: chunked\r\n");
  if (connection == ClientConnection::kClose) head_.append("Connection: close\r\n");
  if (connection == ClientConnection::kKeepAlive) head_.append("Connection: keep-alive\r\n");
  head_.append("\r\n");
}

std::size_t RelayResponseParser::on_body_impl(string_view body, error_code& ec) {
  return take_body(body, ec);
}

std::size_t RelayResponseParser::on_chunk_body_impl(std::uint64_t, string_view body,
                                                    error_code& ec) {
  return take_body(body, ec);
}

std::size_t RelayResponseParser::take_body(std::string_view bytes, error_code& ec) {
  const std::size_t taken = std::min(body_.size() - body_bytes_, bytes.size());
  if (taken > 0) std::memcpy(body_.data() + body_bytes_, bytes.data(), taken);
  body_bytes_ += taken;
  // The rest stays in the parser's input until the next piece.
  if (taken < bytes.size()) ec = http::error::need_buffer;
  return taken;
}

}  // namespace panguard::agent
