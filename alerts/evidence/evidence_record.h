// What evidence export and verify need to know about one audit record line (docs/alerts.md,
// "Audit files"): its place in the chain, whose it is and when it happened. Alerts are dated by
// the alert's `time`, checkpoints by their `time_ns`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "alerts/audit/audit_record.h"

namespace panguard::alerts::evidence {

struct RecordFacts {
  RecordKind kind = RecordKind::kAlert;
  uint64_t seq = 0;
  std::string prev;
  std::string hash;
  int64_t time_ns = 0;
  // The alert's tenant_id (nullopt for a platform alert), or the checkpoint's stream name.
  std::optional<std::string> owner;
};

// `line` without its '\n'. Untrusted: any bytes. An error when the line is not a well-formed
// record with a matching hash, or its time or owner cannot be read.
std::variant<RecordFacts, std::string> read_record_facts(std::string_view line);

// Whether the record is `tenant`'s: an alert with that tenant_id, or a checkpoint of the
// tenant's stream (its escaped directory name).
bool belongs_to(const RecordFacts& facts, std::string_view tenant);

}  // namespace panguard::alerts::evidence
