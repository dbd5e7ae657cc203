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

// The request as it goes upstream: hop-by-hop headers and the session header dropped, HTTP/1.1
// keep-alive, and the (already de-chunked) body framed by a Content-Length computed here, so the
// upstream reads exactly the message the proxy judged.
ProxyRequest upstream_request(const ProxyRequest& request, std::string_view session_header);

}  // namespace panguard::agent
