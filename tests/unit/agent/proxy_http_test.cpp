#include "agent/vault_proxy/proxy_http.h"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

TEST(ProxyHttpTest, JsonErrorCarriesOnlyTheMessageAndAlertIds) {
  const ProxyResponse denied = json_error(http::status::forbidden, "denied by panguard", {"a-1"});
  EXPECT_EQ(denied.result(), http::status::forbidden);
  EXPECT_EQ(denied[http::field::content_type], "application/json");
  const auto body = nlohmann::json::parse(denied.body());
  EXPECT_EQ(body, (nlohmann::json{{"errors", {"denied by panguard"}}, {"alert_ids", {"a-1"}}}));

  const auto rejected =
      nlohmann::json::parse(json_error(http::status::bad_request, "rejected: x").body());
  EXPECT_FALSE(rejected.contains("alert_ids"));
}

TEST(ProxyHttpTest, HopByHopHeadersIncludeThoseConnectionNames) {
  http::fields fields;
  fields.insert(http::field::connection, "keep-alive, X-Secret-Hop");
  for (const char* name : {"Connection", "keep-alive", "TE", "Transfer-Encoding", "Upgrade",
                           "Proxy-Authorization", "x-secret-hop"}) {
    EXPECT_TRUE(is_hop_by_hop(fields, name)) << name;
  }
  for (const char* name : {"Content-Type", "X-Vault-Token", "X-Vault-Namespace", "Host"}) {
    EXPECT_FALSE(is_hop_by_hop(fields, name)) << name;
  }
}

// The hop-by-hop names are decided by Beast's field enum on the upstream path: whatever case a
// client sends them in, they must go, and the string overload must agree on every one.
TEST(ProxyHttpTest, UpstreamRequestDropsHopByHopHeadersInAnyCase) {
  ProxyRequest request(http::verb::get, "/v1/secret/data/tenants/acme/db", 10);
  const std::vector<std::string> hop_by_hop = {"CONNECTION",
                                               "Keep-Alive",
                                               "proxy-AUTHENTICATE",
                                               "Proxy-Authorization",
                                               "PROXY-CONNECTION",
                                               "te",
                                               "Trailer",
                                               "transfer-encoding",
                                               "UpGrade",
                                               "X-Named-Hop"};
  for (const std::string& name : hop_by_hop) request.insert(name, "x");
  request.set(http::field::connection, "X-NAMED-hop");
  request.insert("x-panguard-SESSION", "token");
  request.insert(http::field::expect, "100-continue");
  request.insert(http::field::content_length, "99");
  request.insert(http::field::host, "vault:8200");
  request.insert("X-Vault-Token", "hvs.secret");
  request.insert("X-Vault-Namespace", "tenants/acme");
  request.body() = "{}";

  const http::fields judged = request;  // before any field is erased
  for (const std::string& name : hop_by_hop) {
    EXPECT_TRUE(is_hop_by_hop(judged, name)) << name;
  }

  const ProxyRequest upstream = upstream_request(request, "X-Panguard-Session");
  std::vector<std::string> kept;
  for (const auto& field : upstream) kept.emplace_back(field.name_string());
  EXPECT_EQ(kept, (std::vector<std::string>{"Host", "X-Vault-Token", "X-Vault-Namespace",
                                            "Content-Length"}));
  EXPECT_EQ(upstream[http::field::content_length], "2");
  EXPECT_EQ(upstream.version(), 11);
}

TEST(ProxyHttpTest, FlatRequestHeadIsBeastsSerialization) {
  ProxyRequest request(http::verb::unknown, "/v1/secret/metadata/tenants/acme/?list=true", 11);
  request.method_string("LIST");  // a method Beast has no verb for
  request.insert(http::field::host, "vault:8200");
  request.insert("X-Vault-Token", "hvs.secret");
  request.insert("x-custom", "");  // an empty value
  request.body() = "{\"a\":1}";
  request.prepare_payload();
  std::string flat = "stale bytes from the last request";
  serialize_head(request, flat);
  EXPECT_EQ(flat,
            "LIST /v1/secret/metadata/tenants/acme/?list=true HTTP/1.1\r\nHost: vault:8200\r\n"
            "X-Vault-Token: hvs.secret\r\nx-custom: \r\nContent-Length: 7\r\n\r\n");
  std::ostringstream beast;
  beast << request;
  EXPECT_EQ(flat + request.body(), beast.str());

  request.version(10);
  serialize_head(request, flat);
  EXPECT_EQ(flat.rfind("LIST /v1/secret/metadata/tenants/acme/?list=true HTTP/1.0\r\n", 0), 0u);
}

TEST(ProxyHttpTest, FlatResponseHeadIsBeastsSerialization) {
  http::response_header<> response;
  response.version(11);
  response.insert(http::field::content_type, "application/json");
  response.insert("X-Vault-Index", "");
  response.insert(http::field::content_length, "12");
  std::string flat;
  // The standard reason when the upstream sent none, the upstream's own otherwise, and a status
  // Beast has no name for.
  for (const auto& [status, reason] : std::vector<std::pair<unsigned, std::string>>{
           {200, ""}, {200, "Fine"}, {404, ""}, {299, ""}, {599, "Odd"}}) {
    response.result(status);
    response.reason(reason);
    serialize_head(response, flat);
    std::ostringstream beast;
    beast << response;
    EXPECT_EQ(flat, beast.str()) << status << " " << reason;
  }
  response.result(200);
  response.reason("");
  serialize_head(response, flat);
  EXPECT_EQ(flat,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Vault-Index: \r\n"
            "Content-Length: 12\r\n\r\n");
}

TEST(ProxyHttpTest, StripHopByHopKeepsEndToEndResponseHeaders) {
  http::fields fields;
  fields.insert("Keep-Alive", "timeout=5");
  fields.insert("TRANSFER-ENCODING", "chunked");
  fields.insert(http::field::connection, "x-upstream-hop");
  fields.insert("X-Upstream-Hop", "1");
  fields.insert(http::field::content_type, "application/json");
  fields.insert("X-Vault-Request-Id", "abc");
  strip_hop_by_hop(fields);
  std::vector<std::string> kept;
  for (const auto& field : fields) kept.emplace_back(field.name_string());
  EXPECT_EQ(kept, (std::vector<std::string>{"Content-Type", "X-Vault-Request-Id"}));
}

}  // namespace
}  // namespace panguard::agent
