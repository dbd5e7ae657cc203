#include "agent/vault_proxy/proxy_http.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <array>
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

// Erases every field `drop` selects. The Connection tokens are read once, up front, because
// the Connection header itself is one of the fields erased.
template <typename Drop>
void erase_fields(http::fields& fields, Drop drop) {
  const std::string tokens = connection_tokens_of(fields);
  for (auto field = fields.begin(); field != fields.end();) {
    field = drop(tokens, *field) ? fields.erase(field) : std::next(field);
  }
}

}  // namespace

bool is_hop_by_hop(std::string_view connection_tokens, std::string_view name) {
  static constexpr std::array<std::string_view, 9> kHopByHop = {"connection",
                                                                "keep-alive",
                                                                "proxy-authenticate",
                                                                "proxy-authorization",
                                                                "proxy-connection",
                                                                "te",
                                                                "trailer",
                                                                "transfer-encoding",
                                                                "upgrade"};
  for (const std::string_view hop : kHopByHop) {
    if (boost::beast::iequals(name, hop)) return true;
  }
  if (connection_tokens.empty()) return false;
  for (const auto token : http::token_list(connection_tokens)) {
    if (boost::beast::iequals(name, token)) return true;
  }
  return false;
}

bool is_hop_by_hop(const http::fields& fields, std::string_view name) {
  return is_hop_by_hop(connection_tokens_of(fields), name);
}

void prepare_upstream_request(ProxyRequest& request, std::string_view session_header) {
  erase_fields(request, [&](std::string_view tokens, const http::fields::value_type& field) {
    const std::string_view name = field.name_string();
    // Expect goes too: the proxy already holds the whole body, and an upstream "100 Continue"
    // would only be one more response to relay.
    return field.name() == http::field::content_length || field.name() == http::field::expect ||
           is_hop_by_hop(tokens, name) || boost::beast::iequals(name, session_header);
  });
  request.version(11);
  request.keep_alive(true);
  request.prepare_payload();
}

ProxyRequest upstream_request(const ProxyRequest& request, std::string_view session_header) {
  ProxyRequest out = request;
  prepare_upstream_request(out, session_header);
  return out;
}

void strip_hop_by_hop(http::fields& fields) {
  erase_fields(fields, [](std::string_view tokens, const http::fields::value_type& field) {
    return is_hop_by_hop(tokens, field.name_string());
  });
}

}  // namespace panguard::agent
