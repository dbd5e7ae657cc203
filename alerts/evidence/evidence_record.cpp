#include "alerts/evidence/evidence_record.h"

#include "alerts/audit/audit_paths.h"
#include "rules/event_json.h"
#include "rules/strict_json.h"

namespace panguard::alerts::evidence {

std::variant<RecordFacts, std::string> read_record_facts(std::string_view line) {
  const ParsedRecord parsed = parse_record_line(line);
  if (!parsed.error.empty()) return parsed.error;
  RecordFacts facts;
  facts.kind = parsed.kind;
  facts.seq = *parsed.seq;
  facts.prev = *parsed.prev;
  facts.hash = *parsed.hash;
  if (parsed.kind == RecordKind::kCheckpoint) {
    facts.time_ns = parsed.checkpoint->time_ns;
    facts.owner = parsed.checkpoint->stream;
    return facts;
  }
  // parse_record_line has checked the hash and that the content is JSON; strict parsing here
  // also refuses duplicate keys, so no reader can see another time or tenant than this one.
  std::string content(line.substr(0, line.size() - kHashTailSize));
  content += '}';
  std::string error;
  const auto record = rules::parse_strict_json(content, error);
  if (!record) return "record is not strict JSON: " + error;
  const auto alert_it = record->find("alert");
  if (alert_it == record->end() || !alert_it->is_object()) return "alert is not an object";
  const nlohmann::json& alert = *alert_it;
  const auto time = alert.find("time");
  if (time == alert.end() || !time->is_string() ||
      !rules::parse_rfc3339_utc(time->get_ref<const std::string&>(), facts.time_ns)) {
    return "alert has no RFC 3339 time";
  }
  const auto tenant = alert.find("tenant_id");
  if (tenant == alert.end() || !(tenant->is_string() || tenant->is_null())) {
    return "alert has no tenant_id";
  }
  if (tenant->is_string()) facts.owner = tenant->get<std::string>();
  return facts;
}

bool belongs_to(const RecordFacts& facts, std::string_view tenant) {
  if (!facts.owner) return false;
  if (facts.kind == RecordKind::kCheckpoint) return escape_tenant(tenant) == *facts.owner;
  return *facts.owner == tenant;
}

}  // namespace panguard::alerts::evidence
