// HTTP types and small helpers shared by the Vault proxy's files.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace panguard::agent {

using ProxyRequest = boost::beast::http::request<boost::beast::http::string_body>;
using ProxyResponse = boost::beast::http::response<boost::beast::http::string_body>;

// A Vault-style JSON error answer: {"errors":[...]} plus "alert_ids" when there are any. Never
// carries request bytes, so no secret or token can leak through it.
ProxyResponse json_error(boost::beast::http::status status, const std::string& error,
                         const std::vector<std::string>& alert_ids = {});

// RFC 9110 hop-by-hop headers, plus any header the Connection header names: these describe one
// connection and are never copied to the next hop.
bool is_hop_by_hop(const boost::beast::http::fields& fields, std::string_view name);

// Connection-specific headers are judged against the Connection header's tokens as they were
// before any header was removed: `connection_tokens` is every Connection value joined by ','.
bool is_hop_by_hop(std::string_view connection_tokens, std::string_view name);

// Turns the judged request, in place, into the request that goes upstream: hop-by-hop headers,
// Expect and the session header dropped, HTTP/1.1 keep-alive, and the (already de-chunked) body
// framed by a Content-Length computed here, so the upstream reads exactly the message the proxy
// judged. In place because the forwarded request is the judged one: the body is never copied.
void prepare_upstream_request(ProxyRequest& request, std::string_view session_header);

// The start line and header of a message, byte for byte what Beast's serializer writes, into
// `out` (cleared first, its capacity kept). The proxy then writes this and the body in one
// gather write: walking Beast's serializer buffer sequences cost about 1 us a request
// (measured), more than the system call. fuzz_proxy_request checks the bytes equal Beast's.
void serialize_head(const boost::beast::http::request_header<>& header, std::string& out);
void serialize_head(const boost::beast::http::response_header<>& header, std::string& out);

// prepare_upstream_request on a copy (for the fuzz target and tests).
ProxyRequest upstream_request(const ProxyRequest& request, std::string_view session_header);

// Strips, in place, the hop-by-hop headers of an upstream response header before it is relayed.
void strip_hop_by_hop(boost::beast::http::fields& fields);

}  // namespace panguard::agent
