#include "agent/metrics/metrics.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

TEST(MetricsTest, KnownSeriesStartAtZero) {
  Metrics metrics;
  const std::string text = metrics.render();
  for (const char* series :
       {"panguard_events_total{source=\"vault\"} 0", "panguard_events_total{source=\"platform\"} 0",
        "panguard_drops_total{stage=\"parse\"} 0", "panguard_drops_total{stage=\"sink\"} 0",
        "panguard_rule_pack_reloads_total{result=\"refused\"} 0",
        "panguard_eval_latency_seconds_count 0"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

TEST(MetricsTest, CountsAndObserves) {
  Metrics metrics;
  metrics.count_event(rules::Source::kNats);
  metrics.count_rule_match("NATS subject of another tenant", rules::Priority::kCritical);
  metrics.count_alert(rules::Priority::kCritical);
  metrics.observe_eval_latency(3e-6);
  metrics.count_drop(DropStage::kIngest);
  metrics.count_reload(true);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("panguard_events_total{source=\"nats\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_rule_matches_total{priority=\"critical\",rule=\"NATS subject of "
                      "another tenant\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("panguard_alerts_total{priority=\"critical\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_eval_latency_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_drops_total{stage=\"ingest\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_rule_pack_reloads_total{result=\"accepted\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace panguard::agent
