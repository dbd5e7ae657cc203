// Golden test: `panguard replay` of the quick start's demo stream through the embedded default
// pack must print exactly the recorded alerts. Ids and times are random or event-derived, so the
// comparison keeps rule, priority, tenant, source, action and the rendered output.
// Regenerate after an intended rule change with PANGUARD_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "integration_env.h"
#include "process.h"

namespace panguard::integration {
namespace {

const std::filesystem::path kExamples =
    std::filesystem::path(PANGUARD_SOURCE_DIR) / "rules/packs/default/examples";

std::string stable_projection(const std::string& alerts_jsonl) {
  std::string out;
  std::istringstream in(alerts_jsonl);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto alert = nlohmann::json::parse(line);
    nlohmann::json kept = {{"rule", alert.at("rule")},           {"priority", alert.at("priority")},
                           {"tenant_id", alert.at("tenant_id")}, {"source", alert.at("source")},
                           {"action", alert.at("action")},       {"output", alert.at("output")}};
    out += kept.dump() + "\n";
  }
  return out;
}

TEST(ReplayGoldenTest, DemoStreamThroughEmbeddedDefaultPack) {
  const RunResult result =
      run_process({kPanguard, "replay", "--events", (kExamples / "demo-events.jsonl").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string actual = stable_projection(result.out);
  const auto golden = kExamples / "demo-alerts.golden.jsonl";
  if (std::getenv("PANGUARD_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "golden file rewritten: " << golden;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << golden;
  EXPECT_EQ(actual, read_file(golden));
  EXPECT_NE(actual.find("\"tenant_id\":\"acme\""), std::string::npos);
}

}  // namespace
}  // namespace panguard::integration
