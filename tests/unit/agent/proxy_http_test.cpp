#include "agent/vault_proxy/proxy_http.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
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

  // What the upstream reads, parsed back by Beast.
  std::string head;
  serialize_upstream_head(request, "X-Panguard-Session", head);
  const std::string bytes = head + request.body();
  http::request_parser<http::string_body> parser;
  parser.eager(true);  // the body too, in the one put()
  boost::beast::error_code ec;
  EXPECT_EQ(parser.put(boost::asio::buffer(bytes), ec), bytes.size());
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  const ProxyRequest& upstream = parser.get();
  std::vector<std::string> kept;
  for (const auto& field : upstream) kept.emplace_back(field.name_string());
  EXPECT_EQ(kept, (std::vector<std::string>{"Host", "X-Vault-Token", "X-Vault-Namespace",
                                            "Content-Length"}));
  EXPECT_EQ(upstream[http::field::content_length], "2");
  EXPECT_EQ(upstream.version(), 11);
  EXPECT_EQ(upstream.body(), "{}");
  EXPECT_EQ(request.count("x-panguard-SESSION"), 1u) << "the judged request is left as it is";
}

// The flat upstream head is what Beast writes for the request after Beast's own framing steps.
TEST(ProxyHttpTest, UpstreamHeadIsBeastsSerialization) {
  ProxyRequest request(http::verb::unknown, "/v1/secret/metadata/tenants/acme/?list=true", 10);
  request.method_string("LIST");  // a method Beast has no verb for
  request.insert(http::field::host, "vault:8200");
  request.insert("X-Vault-Token", "hvs.secret");
  request.insert("x-custom", "");  // an empty value
  request.insert(http::field::content_length, "7");
  request.body() = "{\"a\":1}";
  std::string flat = "stale bytes from the last request";
  serialize_upstream_head(request, "X-Panguard-Session", flat);
  EXPECT_EQ(flat,
            "LIST /v1/secret/metadata/tenants/acme/?list=true HTTP/1.1\r\nHost: vault:8200\r\n"
            "X-Vault-Token: hvs.secret\r\nx-custom: \r\nContent-Length: 7\r\n\r\n");

  // Beast's way: erase what does not go upstream, then HTTP/1.1 keep-alive and prepare_payload.
  for (const auto& [method, body] :
       std::vector<std::pair<http::verb, std::string>>{{http::verb::get, ""},
                                                       {http::verb::get, "x"},
                                                       {http::verb::post, ""},
                                                       {http::verb::put, ""},
                                                       {http::verb::delete_, ""},
                                                       {http::verb::patch, "{}"}}) {
    ProxyRequest plain(method, "/v1/sys/health", 10);
    plain.insert(http::field::host, "vault:8200");
    plain.body() = body;
    serialize_upstream_head(plain, "X-Panguard-Session", flat);
    plain.version(11);
    plain.keep_alive(true);
    plain.prepare_payload();
    std::ostringstream beast;
    beast << plain;
    EXPECT_EQ(flat + plain.body(), beast.str()) << plain.method_string() << " [" << body << "]";
  }
}

// The response side (reason phrases, hop-by-hop fields, the Connection-named ones) is
// relay_response_parser_test.cpp's, against Beast's parser and serializer.

}  // namespace
}  // namespace panguard::agent
