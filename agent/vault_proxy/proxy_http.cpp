#include "agent/vault_proxy/proxy_http.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <array>
#include <charconv>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

namespace panguard::agent {

namespace http = boost::beast::http;

ProxyResponse json_error(http::status status, const std::string& error,
                         const std::vector<std::string>& alert_ids) {
  nlohmann::json body = {{"errors", {error}}};
  if (!alert_ids.empty()) body["alert_ids"] = alert_ids;
  ProxyResponse response(status, 11);
  response.set(http::field::server, "panguard");
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = body.dump() + "\n";
  response.prepare_payload();
  return response;
}

namespace {

// Every Connection value joined by ',': a token list however many Connection lines came.
std::string connection_tokens_of(const http::fields& fields) {
  std::string tokens;
  const auto connection = fields.equal_range(http::field::connection);
  for (auto field = connection.first; field != connection.second; ++field) {
    if (!tokens.empty()) tokens += ',';
    tokens.append(field->value().data(), field->value().size());
  }
  return tokens;
}

}  // namespace

bool named_by_connection(std::string_view connection_tokens, std::string_view name) {
  if (connection_tokens.empty()) return false;
  for (const auto token : http::token_list(connection_tokens)) {
    if (boost::beast::iequals(name, token)) return true;
  }
  return false;
}

bool is_hop_by_hop(const http::fields& fields, std::string_view name) {
  return is_hop_by_hop_field(http::string_to_field(name)) ||
         named_by_connection(connection_tokens_of(fields), name);
}

bool is_hop_by_hop_field(http::field name) {
  switch (name) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
      return true;
    default:
      return false;
  }
}

namespace {

// is_hop_by_hop() for a parsed field: the enum first, then the names Connection lists (none in
// most requests, and then no text is compared at all).
bool is_hop_by_hop(std::string_view connection_tokens, const http::fields::value_type& field) {
  return is_hop_by_hop_field(field.name()) ||
         named_by_connection(connection_tokens, field.name_string());
}

}  // namespace

void serialize_upstream_head(const ProxyRequest& request, std::string_view session_header,
                             std::string& out) {
  const std::string tokens = connection_tokens_of(request);  // empty, so no allocation, usually
  out.clear();
  out.append(request.method_string()).append(" ").append(request.target()).append(" HTTP/1.1\r\n");
  for (const auto& field : request) {
    // Expect goes too: the proxy already holds the whole body, and an upstream "100 Continue"
    // would only be one more response to relay.
    const bool dropped = field.name() == http::field::content_length ||
                         field.name() == http::field::expect || is_hop_by_hop(tokens, field) ||
                         boost::beast::iequals(field.name_string(), session_header);
    if (!dropped) out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  // Beast's prepare_payload(): a Content-Length when there is a body, and always for the
  // methods that expect one.
  const std::size_t length = request.body().size();
  const http::verb method = request.method();
  if (length > 0 || method == http::verb::post || method == http::verb::put ||
      method == http::verb::options) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), length).ptr;
    out.append("Content-Length: ").append(digits.data(), end).append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace panguard::agent
