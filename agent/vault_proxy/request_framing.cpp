#include "agent/vault_proxy/request_framing.h"

#include <iterator>

#include <boost/beast/core/string.hpp>

namespace panguard::agent {

namespace http = boost::beast::http;

std::optional<std::string> framing_rejection(const http::fields& headers) {
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

}  // namespace panguard::agent
