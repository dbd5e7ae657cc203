// HTTP types and small helpers shared by the Vault proxy's files.
#pragma once

#include <boost/beast/http/field.hpp>
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

// The nine RFC 9110 hop-by-hop fields, decided by Beast's field enum (Beast maps a name to its
// field case-insensitively), so without comparing text.
bool is_hop_by_hop_field(boost::beast::http::field name);

// A field named by the Connection header, judged against its tokens as they were before any
// header was removed: `connection_tokens` is every Connection value joined by ','.
bool named_by_connection(std::string_view connection_tokens, std::string_view name);

// The start line and header of the request that goes upstream, into `out` (cleared first, its
// capacity kept): the judged request's own fields minus the hop-by-hop ones, Expect,
// Content-Length and the session header, as HTTP/1.1 keep-alive, and the (already de-chunked)
// body framed by a Content-Length computed here, so the upstream reads exactly the message the
// proxy judged. The judged request itself is left as it is. The proxy writes this and the body
// in one gather write. Byte for byte what Beast's serializer writes for the request after
// Beast's own erase, version(11), keep_alive(true) and prepare_payload(): fuzz_proxy_request
// checks it, as it does that the bytes parse back to the judged method, target and body.
void serialize_upstream_head(const ProxyRequest& request, std::string_view session_header,
                             std::string& out);

}  // namespace panguard::agent
