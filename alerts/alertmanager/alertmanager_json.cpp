#include "alerts/alertmanager/alertmanager_json.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "rules/priority.h"
#include "rules/source.h"

namespace panguard::alerts::alertmanager {
namespace {

// The output's first line, cut to kMaxSummaryBytes on a UTF-8 character boundary.
std::string summary_of(const std::string& output) {
  std::string summary = output.substr(0, output.find('\n'));
  if (summary.size() > kMaxSummaryBytes) {
    std::size_t cut = kMaxSummaryBytes;
    while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
    summary.resize(cut);
  }
  return summary;
}

}  // namespace

std::string rfc3339_millis(int64_t time_ns) {
  int64_t seconds = time_ns / 1'000'000'000;
  int64_t millis = (time_ns % 1'000'000'000) / 1'000'000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

std::string alert_object(const Alert& alert, std::chrono::milliseconds resolve_timeout) {
  nlohmann::json object;
  object["labels"] = {
      {"alertname", alert.rule},
      {"severity", std::string(rules::priority_name(alert.priority))},
      {"tenant", alert.tenant_id.value_or("platform")},
      {"scope", alert.tenant_id ? "tenant" : "platform"},
      {"source", std::string(rules::source_name(alert.source))},
      {"node", alert.node},
  };
  object["annotations"] = {
      {"summary", summary_of(alert.output)},
      {"description", alert.output},
      {"alert_id", alert.id},
      {"pack_version", alert.pack_version},
  };
  const int64_t ends_ns =
      alert.time_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(resolve_timeout).count();
  object["startsAt"] = rfc3339_millis(alert.time_ns);
  object["endsAt"] = rfc3339_millis(ends_ns);
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string alerts_body(const std::vector<std::string>& objects) {
  std::size_t size = 2;
  for (const auto& object : objects) size += object.size() + 1;
  std::string body;
  body.reserve(size);
  body += '[';
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) body += ',';
    body += objects[i];
  }
  body += ']';
  return body;
}

}  // namespace panguard::alerts::alertmanager
