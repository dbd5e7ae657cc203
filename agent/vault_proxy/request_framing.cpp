#include "agent/vault_proxy/request_framing.h"

#include <iterator>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include "agent/vault_proxy/proxy_http.h"

namespace panguard::agent {

namespace http = boost::beast::http;

namespace {

// The proxy drops, on the way upstream, every field the Connection header names. One naming a
// present end-to-end field (X-Vault-Namespace, Host, ...) would have the gate judge a field
// Vault never receives: a request judged in tenant acme's namespace would run in the root one.
bool names_an_end_to_end_field(const http::fields& headers) {
  const auto connection = headers.equal_range(http::field::connection);
  for (auto line = connection.first; line != connection.second; ++line) {
    for (const auto token : http::token_list(line->value())) {
      if (is_hop_by_hop_field(http::string_to_field(token))) continue;  // dropped anyway
      if (headers.find(token) != headers.end()) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> framing_rejection(const http::fields& headers) {
  if (names_an_end_to_end_field(headers)) return "connection_names_end_to_end_field";
  const auto lengths = headers.equal_range(http::field::content_length);
  const auto length_count = std::distance(lengths.first, lengths.second);
  if (length_count > 1) return "duplicate_content_length";
  if (length_count == 1 && lengths.first->value().find(',') != std::string_view::npos) {
    return "duplicate_content_length";
  }
  const auto encodings = headers.equal_range(http::field::transfer_encoding);
  const auto encoding_count = std::distance(encodings.first, encodings.second);
  if (encoding_count == 0) return std::nullopt;
  if (length_count > 0) return "content_length_with_transfer_encoding";
  if (encoding_count > 1) return "duplicate_transfer_encoding";
  // Only plain "chunked": codings Beast would accept and drop ("gzip, chunked") or a final
  // coding that is not chunked ("chunked, identity") leave the body length open to reading.
  if (!boost::beast::iequals(encodings.first->value(), "chunked")) {
    return "unsupported_transfer_encoding";
  }
  return std::nullopt;
}

Expectation body_expectation(const http::request_header<>& head) {
  if (head.version() < 11) return Expectation::kNone;
  const auto expects = head.equal_range(http::field::expect);
  const auto count = std::distance(expects.first, expects.second);
  if (count == 0) return Expectation::kNone;
  if (count == 1 && boost::beast::iequals(expects.first->value(), "100-continue")) {
    return Expectation::kContinue;
  }
  return Expectation::kUnsupported;
}

}  // namespace panguard::agent
