#include "agent/packs/pack_reloader.h"

#include <gtest/gtest.h>

#include "agent/store/memory_store.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

class PackReloaderTest : public ::testing::Test {
 protected:
  PackHolder packs_;
  MemoryStore store_;
  testing::RecordingSink sink_;
  Metrics metrics_;
  Pipeline pipeline_{PipelineOptions{"node-1", Mode::kMonitor}, packs_, store_, sink_, metrics_};
  testing::TempDir dir_;
};

TEST_F(PackReloaderTest, GoodPackIsSwappedIn) {
  const std::string path = dir_.write("pack.yaml", testing::kTestPack);
  EXPECT_TRUE(reload_rule_pack({path}, packs_, pipeline_, metrics_, 0));
  ASSERT_TRUE(packs_.current());
  EXPECT_EQ(packs_.current()->pack->rules().size(), 2u);
  EXPECT_TRUE(sink_.alerts().empty());
  EXPECT_NE(metrics_.render().find("panguard_rule_pack_reloads_total{result=\"accepted\"} 1"),
            std::string::npos);
}

TEST_F(PackReloaderTest, BadPackIsRefusedOldStaysAndPlatformAlertIsRaised) {
  const std::string good = dir_.write("pack.yaml", testing::kTestPack);
  ASSERT_TRUE(reload_rule_pack({good}, packs_, pipeline_, metrics_, 0));
  const auto before = packs_.current();

  dir_.write("pack.yaml", "- rule: [broken\n");
  EXPECT_FALSE(reload_rule_pack({good}, packs_, pipeline_, metrics_, 77));
  EXPECT_EQ(packs_.current(), before);

  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, kPackRefusedRule);
  EXPECT_EQ(alerts[0].priority, rules::Priority::kCritical);
  EXPECT_EQ(alerts[0].source, rules::Source::kPlatform);
  EXPECT_FALSE(alerts[0].tenant_id);
  EXPECT_EQ(alerts[0].time_ns, 77);
  const auto& reason = std::get<std::string>(alerts[0].output_fields.at(1).second);
  EXPECT_EQ(reason.rfind(good + ":", 0), 0u) << reason;
  EXPECT_NE(metrics_.render().find("panguard_rule_pack_reloads_total{result=\"refused\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace panguard::agent
