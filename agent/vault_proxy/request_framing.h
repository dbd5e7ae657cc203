// Request smuggling shapes refused before the body is read. Beast accepts some of them (equal
// duplicate Content-Length values, "5, 5"), and Vault's Go server might frame them differently,
// so the proxy refuses instead of picking one reading.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>

namespace panguard::agent {

// The rejection code ("connection_names_end_to_end_field", "duplicate_content_length",
// "content_length_with_transfer_encoding", "duplicate_transfer_encoding",
// "unsupported_transfer_encoding"), or nullopt when the framing is unambiguous: at most one
// Content-Length, or exactly one Transfer-Encoding that is "chunked", and no Connection token
// naming a field of the request that is not hop-by-hop (the proxy would judge it, then drop it).
std::optional<std::string> framing_rejection(const boost::beast::http::fields& headers);

}  // namespace panguard::agent
