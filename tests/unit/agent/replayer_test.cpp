#include "agent/replay/replayer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "agent/store/memory_store.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

class ReplayerTest : public ::testing::Test {
 protected:
  void SetUp() override { packs_.swap(testing::compile_snapshot(testing::kTestPack, "v1")); }

  ReplayCounts replay(const std::string& text) {
    std::istringstream in(text);
    ProgressLine progress(progress_out_, false, 0);
    return replay_events(in, "events.jsonl", pipeline_, metrics_, errors_, progress);
  }

  PackHolder packs_;
  MemoryStore store_;
  testing::RecordingSink recording_;
  CountingSink sink_{recording_};
  Metrics metrics_;
  Pipeline pipeline_{PipelineOptions{"node-1", Mode::kMonitor}, packs_, store_, sink_, metrics_};
  std::ostringstream errors_;
  std::ostringstream progress_out_;
};

constexpr const char* kLogin =
    R"({"source":"vault","time":"2026-11-29T10:00:00Z","fields":{"tenant.id":"acme","vault.operation":"login"}})";

TEST_F(ReplayerTest, EvaluatesEveryLineAndSummarizes) {
  const std::string text =
      std::string(kLogin) + "\n" + kLogin + "\n" + kLogin + "\r\n\n" +
      R"({"source":"vault","fields":{"tenant.id":"a","vault.path_tenant":"b"}})";
  const ReplayCounts counts = replay(text);
  EXPECT_EQ(counts.events, 4u);
  EXPECT_EQ(counts.parse_errors, 0u);
  EXPECT_EQ(replay_summary(counts, sink_),
            "replay: 4 events, 2 alerts (critical 1, error 1), 0 parse errors");
  // The event without a time ran at the previous event's time.
  EXPECT_EQ(recording_.alerts().at(1).time_ns, recording_.alerts().at(0).time_ns);
  EXPECT_TRUE(progress_out_.str().empty());
}

TEST_F(ReplayerTest, ReportsMalformedLinesWithFileAndLine) {
  const ReplayCounts counts = replay(std::string(kLogin) + "\n{\"source\":\"vault\"}\n[1]\n");
  EXPECT_EQ(counts.events, 1u);
  EXPECT_EQ(counts.parse_errors, 2u);
  const std::string errors = errors_.str();
  EXPECT_NE(errors.find("events.jsonl:2: "), std::string::npos) << errors;
  EXPECT_NE(errors.find("events.jsonl:3: "), std::string::npos) << errors;
}

TEST_F(ReplayerTest, RateLimitsUseEventTime) {
  // Three logins one second apart never exceed 1/s with burst 2; three in the same instant do.
  std::string spaced;
  for (int s = 0; s < 3; ++s) {
    spaced += R"({"source":"vault","time":"2026-11-29T10:00:0)" + std::to_string(s) +
              R"(Z","fields":{"tenant.id":"acme","vault.operation":"login"}})" + "\n";
  }
  replay(spaced);
  EXPECT_TRUE(recording_.alerts().empty());
}

TEST(ReplaySummaryTest, NoAlerts) {
  testing::RecordingSink recording;
  CountingSink sink(recording);
  EXPECT_EQ(replay_summary(ReplayCounts{3, 1}, sink), "replay: 3 events, 0 alerts, 1 parse errors");
}

}  // namespace
}  // namespace panguard::agent
