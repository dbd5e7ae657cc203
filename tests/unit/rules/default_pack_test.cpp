// The shipped default pack (rules/packs/default/*.yaml) loads cleanly, and every example event
// beside it (examples/examples.jsonl) fires exactly the rules it expects. Every enabled rule has
// at least one positive and one negative example of its own source.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/evaluator.h"
#include "rules/event_json.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"

namespace panguard::rules {
namespace {

namespace fs = std::filesystem;

const fs::path kPackDir = fs::path(PANGUARD_SOURCE_DIR) / "rules" / "packs" / "default";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<RuleFile> default_pack_files() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(kPackDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<RuleFile> files;
  for (const auto& path : paths) files.push_back({path.string(), read_file(path)});
  return files;
}

struct Example {
  int line = 0;
  std::string name;
  std::set<std::string> expect;
  std::string event_json;  // the "event" object, re-serialized for parse_event_json

  std::string label() const {
    return "examples.jsonl:" + std::to_string(line) + " \"" + name + "\"";
  }
};

std::vector<Example> load_examples(const fs::path& path) {
  std::vector<Example> examples;
  std::istringstream in(read_file(path));
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty()) continue;
    const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("name") || !doc["name"].is_string() ||
        !doc.contains("expect") || !doc["expect"].is_array() || !doc.contains("event") ||
        !doc["event"].is_object() || doc.size() != 3) {
      ADD_FAILURE() << path.filename().string() << ":" << line
                    << ": expected {\"name\": string, \"expect\": [rule, ...], \"event\": {...}}";
      continue;
    }
    Example example;
    example.line = line;
    example.name = doc["name"].get<std::string>();
    for (const auto& rule : doc["expect"]) {
      if (!rule.is_string()) {
        ADD_FAILURE() << example.label() << ": expect must list rule names";
        continue;
      }
      if (!example.expect.insert(rule.get<std::string>()).second) {
        ADD_FAILURE() << example.label() << ": rule listed twice in expect: " << rule;
      }
    }
    example.event_json = doc["event"].dump();
    examples.push_back(std::move(example));
  }
  return examples;
}

std::set<std::string> fired_rules(const Verdict& verdict) {
  std::set<std::string> fired;
  for (const CompiledRule* rule : verdict.matches) fired.insert(rule->name);
  for (const CounterRequest& request : verdict.counter_requests) fired.insert(request.rule->name);
  return fired;
}

std::string join(const std::set<std::string>& names) {
  std::string out = "[";
  for (const auto& name : names) {
    if (out.size() > 1) out += ", ";
    out += "\"" + name + "\"";
  }
  return out + "]";
}

class DefaultPackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { result_ = new CompileResult(load_pack(default_pack_files())); }
  static void TearDownTestSuite() {
    delete result_;
    result_ = nullptr;
  }

  // Null when the pack did not compile (LoadsWithoutErrorsOrWarnings shows why).
  static const RulePack* pack() { return result_->pack.get(); }

  static CompileResult* result_;
};

CompileResult* DefaultPackTest::result_ = nullptr;

TEST_F(DefaultPackTest, LoadsWithoutErrorsOrWarnings) {
  EXPECT_FALSE(default_pack_files().empty()) << "no *.yaml in " << kPackDir;
  for (const Diagnostic& diagnostic : result_->diagnostics) {
    ADD_FAILURE() << diagnostic.to_string();
  }
  ASSERT_NE(result_->pack, nullptr);
  EXPECT_FALSE(result_->pack->rules().empty());
}

TEST_F(DefaultPackTest, ExamplesFireExactlyTheExpectedRules) {
  const RulePack* rules = pack();
  ASSERT_NE(rules, nullptr) << "the default pack did not compile";
  const auto examples = load_examples(kPackDir / "examples" / "examples.jsonl");
  ASSERT_FALSE(examples.empty());

  std::set<std::string> names;
  Verdict verdict;
  for (const Example& example : examples) {
    EXPECT_TRUE(names.insert(example.name).second) << example.label() << ": duplicate example name";
    for (const auto& rule : example.expect) {
      EXPECT_NE(rules->find(rule), nullptr)
          << example.label() << ": expects a rule the pack does not have: \"" << rule << "\"";
    }
    auto parsed = parse_event_json(example.event_json);
    if (auto* error = std::get_if<EventParseError>(&parsed)) {
      ADD_FAILURE() << example.label() << ": bad event: " << error->message;
      continue;
    }
    evaluate(std::get<Event>(parsed), *rules, verdict);
    const auto fired = fired_rules(verdict);
    EXPECT_TRUE(fired == example.expect) << example.label() << "\n  fired:    " << join(fired)
                                         << "\n  expected: " << join(example.expect);
  }
}

TEST_F(DefaultPackTest, EveryRuleHasPositiveAndNegativeExamples) {
  const RulePack* rules = pack();
  ASSERT_NE(rules, nullptr) << "the default pack did not compile";
  const auto examples = load_examples(kPackDir / "examples" / "examples.jsonl");

  // Sources of the example events, and which examples list each rule.
  std::map<std::string, int> positives;
  std::map<Source, int> events_of_source;
  std::map<std::string, int> negatives;  // same-source examples where the rule is not expected
  for (const Example& example : examples) {
    auto parsed = parse_event_json(example.event_json);
    if (!std::holds_alternative<Event>(parsed)) continue;  // reported by the test above
    const Source source = std::get<Event>(parsed).source();
    ++events_of_source[source];
    for (const CompiledRule& rule : rules->rules()) {
      if (rule.source != source) continue;
      if (example.expect.count(rule.name)) {
        ++positives[rule.name];
      } else {
        ++negatives[rule.name];
      }
    }
  }
  for (const CompiledRule& rule : rules->rules()) {
    EXPECT_GT(positives[rule.name], 0) << "rule \"" << rule.name << "\" has no positive example";
    EXPECT_GT(negatives[rule.name], 0)
        << "rule \"" << rule.name << "\" has no negative example of source "
        << source_name(rule.source);
  }
}

TEST_F(DefaultPackTest, DemoEventsParseAndRaiseAlerts) {
  const RulePack* rules = pack();
  ASSERT_NE(rules, nullptr) << "the default pack did not compile";
  std::istringstream in(read_file(kPackDir / "examples" / "demo-events.jsonl"));
  std::string text;
  int line = 0;
  int events = 0;
  int alerting = 0;
  Verdict verdict;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty()) continue;
    auto parsed = parse_event_json(text);
    if (auto* error = std::get_if<EventParseError>(&parsed)) {
      ADD_FAILURE() << "demo-events.jsonl:" << line << ": " << error->message;
      continue;
    }
    ++events;
    evaluate(std::get<Event>(parsed), *rules, verdict);
    if (!verdict.matches.empty() || !verdict.counter_requests.empty()) ++alerting;
  }
  EXPECT_GE(events, 20);
  EXPECT_GT(alerting, 0) << "the quick-start demo should show some alerts";
  EXPECT_LT(alerting, events) << "the quick-start demo should also show benign traffic";
}

}  // namespace
}  // namespace panguard::rules
