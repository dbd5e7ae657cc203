// The one-shot commands, run as a user would: rules check, replay, fields, version, usage.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "integration_env.h"
#include "process.h"

namespace panguard::integration {
namespace {

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

TEST(RulesCheckTest, BadFileReportsFileLineColumnAndExitsOne) {
  const std::string path = (kData / "broken-pack.yaml").string();
  const RunResult result = run_process({kPanguard, "rules", "check", path});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  const std::regex positioned(std::regex_replace(path, std::regex("[.]"), "\\.") +
                              ":[0-9]+:[0-9]+: error: ");
  EXPECT_TRUE(std::regex_search(result.out, positioned)) << result.out;
  EXPECT_NE(result.out.find("1 errors"), std::string::npos) << result.out;
}

TEST(RulesCheckTest, GoodFilesExitZero) {
  const RunResult result =
      run_process({kPanguard, "rules", "check", (kData / "pack-v2.yaml").string()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("1 files, 3 rules, 0 errors"), std::string::npos) << result.out;
}

TEST(RulesCheckTest, MissingPathIsAnError) {
  const RunResult result = run_process({kPanguard, "rules", "check", "/nonexistent.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("/nonexistent.yaml: error:"), std::string::npos) << result.out;
}

TEST(RulesCheckTest, NoPathIsAUsageError) {
  EXPECT_EQ(run_process({kPanguard, "rules", "check"}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "rules"}).exit_code, 2);
}

TEST(ReplayTest, PrintsTheExpectedAlerts) {
  const RunResult result =
      run_process({kPanguard, "replay", "--events", (kData / "events.jsonl").string(), "--rules",
                   (kData / "pack-v1.yaml").string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto alerts = json_lines(result.out);
  const auto expected = json_lines(read_file(kData / "events.expected.jsonl"));
  ASSERT_EQ(alerts.size(), expected.size()) << result.out;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    for (const auto& [key, value] : expected[i].items()) {
      EXPECT_EQ(alerts[i][key], value) << "alert " << i << " key " << key;
    }
    EXPECT_EQ(alerts[i]["source"], "vault");
    EXPECT_EQ(alerts[i]["id"].get<std::string>().size(), 36u);
    EXPECT_EQ(alerts[i]["pack_version"].get<std::string>().rfind("sha256:", 0), 0u);
  }
  EXPECT_NE(result.err.find("replay: 7 events, 2 alerts (critical 1, warning 1), 0 parse errors"),
            std::string::npos)
      << result.err;
}

TEST(ReplayTest, FalcoFormatFromConfig) {
  ScratchDir dir;
  const std::string config =
      dir.write("panguard.yaml", "node_name: replay-node\nalerts:\n  format: falco\n");
  const RunResult result = run_process({kPanguard, "replay", "--config", config, "--events",
                                        (kData / "events.jsonl").string(), "--rules",
                                        (kData / "pack-v1.yaml").string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto alerts = json_lines(result.out);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["priority"], "Critical");
  EXPECT_EQ(alerts[0]["hostname"], "replay-node");
  EXPECT_EQ(alerts[0]["output_fields"]["tenant.id"], "acme");
}

TEST(ReplayTest, MalformedLinesAreReportedCountedAndExitOne) {
  const std::string events = (kData / "malformed-events.jsonl").string();
  const RunResult result = run_process(
      {kPanguard, "replay", "--events", events, "--rules", (kData / "pack-v1.yaml").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(events + ":2: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(events + ":3: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("1 events, 1 alerts (critical 1), 2 parse errors"), std::string::npos)
      << result.err;
  EXPECT_EQ(json_lines(result.out).size(), 1u);  // the good line was still evaluated
}

TEST(ReplayTest, BadRulesExitOne) {
  const RunResult result =
      run_process({kPanguard, "replay", "--events", (kData / "events.jsonl").string(), "--rules",
                   (kData / "broken-pack.yaml").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("broken-pack.yaml:"), std::string::npos);
}

TEST(ReplayTest, MissingEventsFileIsARuntimeFailure) {
  const RunResult result = run_process({kPanguard, "replay", "--events", "/nonexistent.jsonl",
                                        "--rules", (kData / "pack-v1.yaml").string()});
  EXPECT_EQ(result.exit_code, 3);
}

TEST(ReplayTest, MissingEventsOptionIsAUsageError) {
  const RunResult result = run_process({kPanguard, "replay"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--events"), std::string::npos);
}

TEST(CliTest, FieldsListsNameTypeDescription) {
  const RunResult result = run_process({kPanguard, "fields"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(std::regex_search(result.out, std::regex("\ntenant\\.id +string +any +Tenant")))
      << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex("\nnet\\.dport +int ")));
}

TEST(CliTest, VersionAndHelp) {
  const RunResult version = run_process({kPanguard, "version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("panguard ", 0), 0u);
  for (const char* command : {"run", "replay", "fields", "version"}) {
    const RunResult help = run_process({kPanguard, command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("Usage: panguard"), std::string::npos) << command;
  }
  EXPECT_EQ(run_process({kPanguard, "rules", "check", "--help"}).exit_code, 0);
  EXPECT_EQ(run_process({kPanguard, "--help"}).exit_code, 0);
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_process({kPanguard}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "run", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "fields", "extra"}).exit_code, 2);
}

}  // namespace
}  // namespace panguard::integration
