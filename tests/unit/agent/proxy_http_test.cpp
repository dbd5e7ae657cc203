#include "agent/vault_proxy/proxy_http.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace panguard::agent
