#include "tests/bench/agreement.h"

#include <algorithm>
#include <bit>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include <nlohmann/json.hpp>

#include "rules/evaluator.h"
#include "rules/event_json.h"
#include "rules/pack_loader.h"
#include "tests/bench/handwritten_default_pack.h"

namespace panguard::bench {
namespace {

namespace fs = std::filesystem;
using rules::Event;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Bit of each pack rule in the baseline's numbering, by name.
std::vector<uint32_t> baseline_bits(const rules::RulePack& pack, Agreement& result) {
  const auto names = default_rule_names();
  std::vector<uint32_t> bits;
  for (const rules::CompiledRule& rule : pack.rules()) {
    const auto it = std::find(names.begin(), names.end(), rule.name);
    if (it == names.end()) {
      result.disagreements.push_back("the baseline does not implement rule '" + rule.name + "'");
      bits.push_back(0);
    } else {
      bits.push_back(1u << (it - names.begin()));
    }
  }
  return bits;
}

}  // namespace

Agreement compare_with_baseline(const rules::RulePack& pack, const std::vector<Event>& events) {
  Agreement result;
  const std::vector<uint32_t> bits = baseline_bits(pack, result);
  rules::Verdict verdict;
  HandwrittenVerdict by_hand;
  for (const Event& event : events) {
    rules::evaluate(event, pack, verdict);
    uint32_t engine = 0;
    std::string engine_key;
    for (const auto* rule : verdict.matches) engine |= bits[rule->index];
    for (const auto& request : verdict.counter_requests) {
      engine |= bits[request.rule->index];
      const auto key = rules::key_values(request.rule->limit->key, event);
      if (!key.empty()) engine_key = key.front();
    }
    evaluate_default_pack_by_hand(event, by_hand);
    result.engine_matches += verdict.matches.size() + verdict.counter_requests.size();
    result.baseline_matches += static_cast<uint64_t>(std::popcount(by_hand.matched));
    if (engine != by_hand.matched || engine_key != by_hand.flood_tenant_id) {
      std::ostringstream line;
      line << "engine rules 0x" << std::hex << engine << " key '" << engine_key << "', baseline 0x"
           << by_hand.matched << " key '" << by_hand.flood_tenant_id << "' for "
           << rules::event_to_json(event);
      result.disagreements.push_back(line.str());
    }
  }
  return result;
}

std::vector<rules::RuleFile> read_pack_dir(const fs::path& dir) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<rules::RuleFile> files;
  for (const auto& path : paths) files.push_back({path.string(), read_text(path)});
  return files;
}

std::vector<Event> read_example_events(const fs::path& jsonl) {
  std::vector<Event> events;
  if (!fs::exists(jsonl)) return events;
  std::istringstream lines(read_text(jsonl));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("event")) {
      throw std::runtime_error(jsonl.string() + ": line without an \"event\"");
    }
    auto parsed = rules::parse_event_json(doc["event"].dump());
    if (auto* error = std::get_if<rules::EventParseError>(&parsed)) {
      throw std::runtime_error(jsonl.string() + ": " + error->message);
    }
    events.push_back(std::get<Event>(std::move(parsed)));
  }
  return events;
}

}  // namespace panguard::bench
