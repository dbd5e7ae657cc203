#include "agent/replay/replayer.h"

#include "rules/event_json.h"

namespace panguard::agent {

ReplayCounts replay_events(std::istream& in, std::string_view display_name, Pipeline& pipeline,
                           Metrics& metrics, std::ostream& errors, ProgressLine& progress) {
  ReplayCounts counts;
  std::string line;
  uint64_t line_number = 0;
  uint64_t bytes_done = 0;
  int64_t replay_time_ns = 0;
  while (std::getline(in, line)) {
    ++line_number;
    bytes_done += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;

    auto parsed = rules::parse_event_json(line);
    if (auto* error = std::get_if<rules::EventParseError>(&parsed)) {
      ++counts.parse_errors;
      metrics.count_drop(DropStage::kParse);
      errors << display_name << ":" << line_number << ": " << error->message << "\n";
      continue;
    }
    const rules::Event& event = std::get<rules::Event>(parsed);
    if (const int64_t* time = event.get_int(rules::FieldId::kEvtTime)) replay_time_ns = *time;
    pipeline.process_and_wait(event, replay_time_ns);
    ++counts.events;
    progress.update(bytes_done, counts.events);
  }
  progress.finish();
  return counts;
}

std::string replay_summary(const ReplayCounts& counts, const CountingSink& alerts) {
  uint64_t total = 0;
  std::string by_priority;
  for (std::size_t i = 0; i < 8; ++i) {
    const auto priority = static_cast<rules::Priority>(i);
    const uint64_t n = alerts.count(priority);
    if (n == 0) continue;
    total += n;
    by_priority += (by_priority.empty() ? "" : ", ") + std::string(rules::priority_name(priority)) +
                   " " + std::to_string(n);
  }
  std::string out =
      "replay: " + std::to_string(counts.events) + " events, " + std::to_string(total) + " alerts";
  if (!by_priority.empty()) out += " (" + by_priority + ")";
  out += ", " + std::to_string(counts.parse_errors) + " parse errors";
  if (alerts.failures() > 0)
    out += ", " + std::to_string(alerts.failures()) + " alerts not written";
  return out;
}

}  // namespace panguard::agent
