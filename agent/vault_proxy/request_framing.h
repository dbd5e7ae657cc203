// Request smuggling shapes refused before the body is read. Beast accepts some of them (equal
// duplicate Content-Length values, "5, 5"), and Vault's Go server might frame them differently,
// so the proxy refuses instead of picking one reading. Also what the client's Expect field asks
// for before its body comes.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>

namespace panguard::agent {

// The rejection code ("connection_names_end_to_end_field", "duplicate_content_length",
// "content_length_with_transfer_encoding", "duplicate_transfer_encoding",
// "unsupported_transfer_encoding"), or nullopt when the framing is unambiguous: at most one
// Content-Length, or exactly one Transfer-Encoding that is "chunked", and no Connection token
// naming a field of the request that is not hop-by-hop (the proxy would judge it, then drop it).
std::optional<std::string> framing_rejection(const boost::beast::http::fields& headers);

// What the client waits for before it sends the body (RFC 9110 §10.1.1). kContinue: exactly one
// Expect field saying "100-continue"; the proxy answers "100 Continue" before reading a body
// that has not come yet. kUnsupported: any other expectation, a list or a repeated field: 417,
// since a client waiting on something the proxy never sends would stall to its own timeout.
// HTTP/1.0 has no 1xx answers, so its expectations are ignored (kNone), as the RFC requires.
enum class Expectation { kNone, kContinue, kUnsupported };
Expectation body_expectation(const boost::beast::http::request_header<>& head);

}  // namespace panguard::agent
