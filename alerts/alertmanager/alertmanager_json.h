// Alertmanager v2 API shapes (POST /api/v2/alerts body), built once per alert. Pure, no I/O.
// One alert becomes:
//   {"labels":{"alertname":<rule>,"severity":<priority>,"tenant":<tenant id or "platform">,
//              "scope":"tenant"|"platform","source":<source>,"node":<node>},
//    "annotations":{"summary":<first line of output, ≤256 bytes>,"description":<output>,
//                   "alert_id":<id>,"pack_version":<version>},
//    "startsAt":<alert time, RFC 3339 UTC, ms>,"endsAt":<startsAt + resolve timeout>}
// docs/alerts.md "Alertmanager" describes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "alerts/alert.h"

namespace panguard::alerts::alertmanager {

inline constexpr std::size_t kMaxSummaryBytes = 256;

// "2024-05-01T12:00:00.123Z" for nanoseconds since the Unix epoch (UTC, millisecond precision).
std::string rfc3339_millis(int64_t time_ns);

// One alert object as JSON text (invalid UTF-8 replaced).
std::string alert_object(const Alert& alert, std::chrono::milliseconds resolve_timeout);

// "[obj,obj,...]": the request body for several alert objects.
std::string alerts_body(const std::vector<std::string>& objects);

}  // namespace panguard::alerts::alertmanager
