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

namespace {

// The nine RFC 9110 hop-by-hop names are all fields Beast knows, and Beast maps a name to its
// field case-insensitively, so the enum decides them without comparing text.
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

// is_hop_by_hop() for a parsed field: the enum first, then the names Connection lists (none in
// most requests, and then no text is compared at all).
bool is_hop_by_hop(std::string_view connection_tokens, const http::fields::value_type& field) {
  if (is_hop_by_hop_field(field.name())) return true;
  if (connection_tokens.empty()) return false;
  const std::string_view name = field.name_string();
  for (const auto token : http::token_list(connection_tokens)) {
    if (boost::beast::iequals(name, token)) return true;
  }
  return false;
}

}  // namespace

void prepare_upstream_request(ProxyRequest& request, std::string_view session_header) {
  erase_fields(request, [&](std::string_view tokens, const http::fields::value_type& field) {
    // Expect goes too: the proxy already holds the whole body, and an upstream "100 Continue"
    // would only be one more response to relay.
    return field.name() == http::field::content_length || field.name() == http::field::expect ||
           is_hop_by_hop(tokens, field) ||
           boost::beast::iequals(field.name_string(), session_header);
  });
  request.version(11);
  request.keep_alive(true);
  request.prepare_payload();
}

namespace {

void append_version(unsigned version, std::string& out) {
  out.append("HTTP/");
  out += static_cast<char>('0' + version / 10 % 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

// The fields and the empty line after them, after the start line already in `out`.
void append_fields(const http::fields& fields, std::string& out) {
  std::size_t size = out.size() + 2;
  for (const auto& field : fields) size += field.name_string().size() + field.value().size() + 4;
  out.reserve(size);
  for (const auto& field : fields) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

void serialize_head(const http::request_header<>& header, std::string& out) {
  const std::string_view method = header.method_string();
  const std::string_view target = header.target();
  out.clear();
  out.reserve(method.size() + target.size() + 11);  // "  HTTP/x.y\r\n"
  out.append(method).append(" ").append(target).append(" ");
  append_version(header.version(), out);
  out.append("\r\n");
  append_fields(header, out);
}

void serialize_head(const http::response_header<>& header, std::string& out) {
  // Beast's rule: the upstream's reason phrase as received, or the standard one when it sent none.
  const std::string_view reason =
      header.reason().empty()
          ? http::obsolete_reason(static_cast<http::status>(header.result_int()))
          : header.reason();
  out.clear();
  out.reserve(reason.size() + 15);  // "HTTP/x.y nnn \r\n"
  append_version(header.version(), out);
  out += ' ';
  const unsigned status = header.result_int();
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out.append(" ").append(reason).append("\r\n");
  append_fields(header, out);
}

ProxyRequest upstream_request(const ProxyRequest& request, std::string_view session_header) {
  ProxyRequest out = request;
  prepare_upstream_request(out, session_header);
  return out;
}

void strip_hop_by_hop(http::fields& fields) {
  erase_fields(fields, [](std::string_view tokens, const http::fields::value_type& field) {
    return is_hop_by_hop(tokens, field);
  });
}

}  // namespace panguard::agent
