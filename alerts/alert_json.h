// Alert serialization, one JSON object per alert (docs/alerts.md):
//   panguard: the full model (id, time, rule, priority, tenant_id, source, action, output,
//             output_fields, tags, node, pack_version, count).
//   falco:    Falco's json_output shape (output, priority as "Critical", rule, time, source,
//             output_fields, tags, hostname) so existing Falco consumers can read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "alerts/alert.h"

namespace panguard::alerts {

enum class AlertFormat { kPanguard, kFalco };

std::optional<AlertFormat> parse_alert_format(std::string_view name);
std::string_view alert_format_name(AlertFormat format);

// Falco's capitalized priority name: "Critical", "Informational", ...
std::string_view falco_priority_name(rules::Priority priority);

// One line of JSON, no trailing newline. Invalid UTF-8 in values is replaced, never passed on.
std::string alert_to_json(const Alert& alert, AlertFormat format);

}  // namespace panguard::alerts
