#include "rules/event_json.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "rules/strict_json.h"

namespace panguard::rules {
namespace {

using nlohmann::json;

bool parse_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string set_field(Event& event, const FieldInfo& info, const json& value) {
  switch (info.type) {
    case FieldType::kString:
      if (!value.is_string()) return "field " + std::string(info.name) + " must be a string";
      event.set(info.id, value.get<std::string>());
      return "";
    case FieldType::kInt:
      if (value.is_number_integer() && !value.is_number_unsigned()) {
        event.set(info.id, value.get<int64_t>());
        return "";
      }
      if (value.is_number_unsigned() && value.get<uint64_t>() <= INT64_MAX) {
        event.set(info.id, static_cast<int64_t>(value.get<uint64_t>()));
        return "";
      }
      return "field " + std::string(info.name) + " must be an integer in int64 range";
    case FieldType::kBool:
      if (!value.is_boolean()) return "field " + std::string(info.name) + " must be a boolean";
      event.set(info.id, value.get<bool>());
      return "";
  }
  return "unreachable";
}

}  // namespace

bool parse_rfc3339_utc(std::string_view text, int64_t& out_ns) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z, fraction 1..9 digits.
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || !parse_digits(text, 0, 4, year) || text[4] != '-' ||
      !parse_digits(text, 5, 2, month) || text[7] != '-' || !parse_digits(text, 8, 2, day) ||
      text[10] != 'T' || !parse_digits(text, 11, 2, hour) || text[13] != ':' ||
      !parse_digits(text, 14, 2, minute) || text[16] != ':' || !parse_digits(text, 17, 2, second)) {
    return false;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  std::size_t pos = 19;
  int64_t fraction_ns = 0;
  if (text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return false;
      fraction_ns = fraction_ns * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) fraction_ns *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return false;
  const int64_t seconds =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  if (seconds > INT64_MAX / 1'000'000'000 - 1) return false;
  out_ns = seconds * 1'000'000'000 + fraction_ns;
  return true;
}

std::string format_rfc3339_utc(int64_t ns) {
  int64_t seconds = ns / 1'000'000'000;
  int64_t fraction = ns % 1'000'000'000;
  if (fraction < 0) {
    fraction += 1'000'000'000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(fraction));
  return buf;
}

std::variant<Event, EventParseError> parse_event_json(std::string_view text) {
  std::string error;
  auto doc = parse_strict_json(text, error);
  if (!doc) return EventParseError{"invalid JSON: " + error};
  if (!doc->is_object()) return EventParseError{"event must be a JSON object"};

  std::optional<Source> source;
  const json* fields = nullptr;
  const json* time = nullptr;
  for (const auto& [key, value] : doc->items()) {
    if (key == "source") {
      if (!value.is_string()) return EventParseError{"\"source\" must be a string"};
      source = parse_source(value.get_ref<const std::string&>());
      if (!source) {
        return EventParseError{"unknown source \"" + value.get<std::string>() + "\""};
      }
    } else if (key == "fields") {
      fields = &value;
    } else if (key == "time") {
      time = &value;
    } else {
      return EventParseError{"unknown key \"" + key + "\" (expected source, time, fields)"};
    }
  }
  if (!source) return EventParseError{"missing \"source\""};
  if (!fields) return EventParseError{"missing \"fields\""};
  if (!fields->is_object()) return EventParseError{"\"fields\" must be an object"};

  Event event(*source);
  if (time) {
    int64_t ns = 0;
    if (!time->is_string() || !parse_rfc3339_utc(time->get_ref<const std::string&>(), ns)) {
      return EventParseError{"\"time\" must be RFC 3339 UTC, e.g. 2026-11-29T10:00:00.5Z"};
    }
    event.set(FieldId::kEvtTime, ns);
  }
  for (const auto& [name, value] : fields->items()) {
    auto id = find_field(name);
    if (!id) return EventParseError{"unknown field \"" + name + "\""};
    if (*id == FieldId::kEvtTime) return EventParseError{"set evt.time with \"time\""};
    const FieldInfo& info = field_info(*id);
    if (!(info.sources & source_bit(*source))) {
      return EventParseError{"field " + name + " is not carried by source " +
                             std::string(source_name(*source))};
    }
    if (auto err = set_field(event, info, value); !err.empty()) return EventParseError{err};
  }
  return event;
}

std::string event_to_json(const Event& event) {
  json fields = json::object();
  for (const FieldInfo& info : all_fields()) {
    if (info.id == FieldId::kEvtTime) continue;
    const FieldValue& value = event.get(info.id);
    if (auto* s = std::get_if<std::string>(&value)) fields[std::string(info.name)] = *s;
    if (auto* i = std::get_if<int64_t>(&value)) fields[std::string(info.name)] = *i;
    if (auto* b = std::get_if<bool>(&value)) fields[std::string(info.name)] = *b;
  }
  json out = json::object();
  out["source"] = source_name(event.source());
  if (auto* t = event.get_int(FieldId::kEvtTime)) out["time"] = format_rfc3339_utc(*t);
  out["fields"] = std::move(fields);
  // Invalid UTF-8 in attacker-supplied strings must not throw: replace on output only.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace panguard::rules
