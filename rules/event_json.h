// The JSON form of an event, one object per line (docs/events.md):
//   {"source":"vault","time":"2026-11-29T10:00:00.5Z","fields":{"tenant.id":"acme",...}}
// Parsing is strict: unknown or duplicate keys, unknown fields, wrong types, a bad time and
// trailing data are errors, never repaired.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "rules/event.h"

namespace panguard::rules {

struct EventParseError {
  std::string message;
};

std::variant<Event, EventParseError> parse_event_json(std::string_view text);
std::string event_to_json(const Event& event);

// RFC 3339 UTC ("...Z") <-> nanoseconds since the epoch. Offsets other than Z are rejected.
bool parse_rfc3339_utc(std::string_view text, int64_t& out_ns);
std::string format_rfc3339_utc(int64_t ns);

}  // namespace panguard::rules
