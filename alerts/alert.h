// One alert: what fired, on which event, for which tenant. Built once, then only read by sinks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/event.h"
#include "rules/pack_document.h"
#include "rules/priority.h"
#include "rules/source.h"

namespace panguard::alerts {

struct Alert {
  std::string id;       // random UUIDv4; stays the same on every delivery attempt
  int64_t time_ns = 0;  // event time (evt.time), or emission time when the event has none
  std::string rule;
  rules::Priority priority = rules::Priority::kWarning;
  // Copied from the event's verified tenant.id when the alert is built; nullopt when absent.
  std::optional<std::string> tenant_id;
  rules::Source source = rules::Source::kPlatform;
  rules::Action action = rules::Action::kAlert;  // kDeny only when the request was refused
  std::string output;
  // Fields the output template and the rule's limit key use, plus tenant.id and tenant.source,
  // in first-use order.
  std::vector<std::pair<std::string, rules::FieldValue>> output_fields;
  std::vector<std::string> tags;
  std::string node;
  std::string pack_version;
  uint64_t count = 1;  // how many matches this alert stands for; dedup raises it later
};

}  // namespace panguard::alerts
