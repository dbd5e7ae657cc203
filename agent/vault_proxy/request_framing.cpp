#include "agent/vault_proxy/request_framing.h"

#include <iterator>

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
  if (length_count > 0 && encodings.first != encodings.second) {
    return "content_length_with_transfer_encoding";
  }
  return std::nullopt;
}

}  // namespace panguard::agent
