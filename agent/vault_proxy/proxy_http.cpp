#include "agent/vault_proxy/proxy_http.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <array>
#include <nlohmann/json.hpp>

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

bool is_hop_by_hop(const http::fields& fields, std::string_view name) {
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
  const auto connection = fields.equal_range(http::field::connection);
  for (auto field = connection.first; field != connection.second; ++field) {
    for (const auto token : http::token_list(field->value())) {
      if (boost::beast::iequals(name, token)) return true;
    }
  }
  return false;
}

ProxyRequest upstream_request(const ProxyRequest& request, std::string_view session_header) {
  ProxyRequest out;
  if (request.method() == http::verb::unknown) {
    out.method_string(request.method_string());  // LIST and other methods Beast has no verb for
  } else {
    out.method(request.method());
  }
  out.target(request.target());
  out.version(11);
  for (const auto& field : request) {
    const std::string_view name = field.name_string();
    if (is_hop_by_hop(request, name) || boost::beast::iequals(name, session_header) ||
        field.name() == http::field::content_length) {
      continue;
    }
    out.insert(name, field.value());
  }
  out.body() = request.body();
  out.keep_alive(true);
  out.prepare_payload();
  return out;
}

}  // namespace panguard::agent
