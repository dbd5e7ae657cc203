// vault_audit.* in the config loader, and the rate-limited report of dropped audit records.
#include <gtest/gtest.h>

#include "agent/config/config_loader.h"
#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"
#include "agent/store/memory_store.h"
#include "agent/vault_audit/audit_drops.h"
#include "config_test_support.h"
#include "tests/unit/agent/test_support.h"

namespace panguard::agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

using testing::parse;
using testing::parse_error;
using testing::parse_ok;

TEST(VaultAuditConfigTest, DefaultsAreOffOnTheStandardSocket) {
  const auto config = std::get<std::shared_ptr<const Config>>(parse(""));
  const VaultAuditSettings& audit = config->vault_audit();
  EXPECT_FALSE(audit.enabled);
  EXPECT_EQ(audit.listen.to_string(), "unix:/run/panguard/vault-audit.sock");
  EXPECT_EQ(audit.max_record_bytes, std::size_t{1} << 20);
  EXPECT_EQ(audit.queue_records, 10'000u);
  EXPECT_FALSE(audit.include_responses);
  EXPECT_EQ(audit.trusted_display_name_prefixes, std::vector<std::string>{"kubernetes-"});
  EXPECT_TRUE(audit.namespace_tenants.empty());
}

TEST(VaultAuditConfigTest, ReadsEveryKey) {
  auto result = parse(R"(
vault_audit:
  enabled: true
  listen: tcp:127.0.0.1:0
  max_record_bytes: 4096
  queue_records: 50
  queue_bytes: 8192
  include_responses: true
  trusted_display_name_prefixes: [k8s-prod-]
  namespace_tenants:
    acme-prod: acme
)");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Config>>(result))
      << std::get<ConfigError>(result).message;
  const VaultAuditSettings& audit = std::get<std::shared_ptr<const Config>>(result)->vault_audit();
  EXPECT_TRUE(audit.enabled);
  EXPECT_EQ(audit.listen.to_string(), "tcp:127.0.0.1:0");
  EXPECT_EQ(audit.max_record_bytes, 4096u);
  EXPECT_EQ(audit.queue_records, 50u);
  EXPECT_EQ(audit.queue_bytes, 8192u);
  EXPECT_TRUE(audit.include_responses);
  EXPECT_EQ(audit.trusted_display_name_prefixes, std::vector<std::string>{"k8s-prod-"});
  EXPECT_EQ(audit.namespace_tenants.at("acme-prod"), "acme");
}

TEST(VaultAuditConfigTest, ErrorsNameTheKey) {
  EXPECT_NE(parse_error("vault_audit:\n  listen: tcp:10.0.0.1:9090\n")
                .find("vault_audit.listen: must be a loopback address"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  listen: unix:relative.sock\n")
                .find("vault_audit.listen: a Unix socket needs an absolute path"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  listen: /run/x.sock\n").find("expected unix:"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  listen: unix:/" + std::string(120, 'a') + "\n")
                .find("longer than"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  max_record_bytes: 10\n")
                .find("vault_audit.max_record_bytes: expected a whole number"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  queue_records: -1\n").find("vault_audit.queue_records"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  max_record_bytes: 8192\n  queue_bytes: 4096\n")
                .find("vault_audit.queue_bytes: must be at least max_record_bytes"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  namespace_tenants:\n    acme-prod: \"\"\n")
                .find("vault_audit.namespace_tenants.acme-prod: must not be empty"),
            std::string::npos);
  EXPECT_NE(parse_error("vault_audit:\n  port: 1\n").find("vault_audit.port: unknown key"),
            std::string::npos);
}

class AuditDropReporterTest : public ::testing::Test {
 protected:
  Metrics metrics_;
  PackHolder packs_;
  MemoryStore store_;
  testing::RecordingSink sink_;
  Pipeline pipeline_{PipelineOptions{"node-1", Mode::kMonitor}, packs_, store_, sink_, metrics_};
  AuditDropCounts counts_{metrics_};
  AuditDropReporter reporter_{counts_, pipeline_, 10 * kSecond};
};

TEST_F(AuditDropReporterTest, ReportsAtOnceThenAtMostOncePerPeriodWithCountsOnly) {
  reporter_.maybe_report(100 * kSecond);
  EXPECT_TRUE(sink_.alerts().empty());  // nothing dropped, nothing reported

  counts_.bad_framing();
  reporter_.maybe_report(100 * kSecond);
  ASSERT_EQ(sink_.alerts().size(), 1u);
  EXPECT_EQ(sink_.alerts()[0].rule, kAuditDropsRule);
  EXPECT_FALSE(sink_.alerts()[0].tenant_id);

  counts_.queue_full();
  counts_.parse_error();
  reporter_.maybe_report(105 * kSecond);
  EXPECT_EQ(sink_.alerts().size(), 1u);  // inside the period
  reporter_.maybe_report(110 * kSecond);
  ASSERT_EQ(sink_.alerts().size(), 2u);
  EXPECT_NE(sink_.alerts()[1].output.find("queue_full=1 unframeable=0 parse_error=1"),
            std::string::npos)
      << sink_.alerts()[1].output;

  counts_.parse_error();
  reporter_.flush(111 * kSecond);  // shutdown reports what is pending, whatever the period
  EXPECT_EQ(sink_.alerts().size(), 3u);
  reporter_.flush(112 * kSecond);
  EXPECT_EQ(sink_.alerts().size(), 3u);
}

TEST_F(AuditDropReporterTest, EveryDropIsCountedByStage) {
  counts_.queue_full();
  counts_.bad_framing();
  counts_.bad_framing();
  counts_.parse_error();
  counts_.connection_refused();
  EXPECT_EQ(counts_.total(), 4u);  // a refused connection is not a lost record
  const std::string text = metrics_.render();
  EXPECT_NE(text.find("panguard_drops_total{stage=\"audit_queue\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_drops_total{stage=\"audit_record\"} 2"), std::string::npos);
  EXPECT_NE(text.find("panguard_drops_total{stage=\"audit_parse\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_drops_total{stage=\"audit_connection\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace panguard::agent
