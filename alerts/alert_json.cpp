#include "alerts/alert_json.h"

#include <array>
#include <nlohmann/json.hpp>
#include <variant>

#include "rules/event_json.h"

namespace panguard::alerts {
namespace {

using Json = nlohmann::ordered_json;

Json field_value_json(const rules::FieldValue& value) {
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return v;
        }
      },
      value);
}

Json output_fields_json(const Alert& alert) {
  Json fields = Json::object();
  for (const auto& [name, value] : alert.output_fields) fields[name] = field_value_json(value);
  return fields;
}

Json panguard_json(const Alert& alert) {
  Json j;
  j["id"] = alert.id;
  j["time"] = rules::format_rfc3339_utc(alert.time_ns);
  j["rule"] = alert.rule;
  j["priority"] = rules::priority_name(alert.priority);
  j["tenant_id"] = alert.tenant_id ? Json(*alert.tenant_id) : Json(nullptr);
  j["source"] = rules::source_name(alert.source);
  j["action"] = alert.action == rules::Action::kDeny ? "deny" : "alert";
  j["output"] = alert.output;
  j["output_fields"] = output_fields_json(alert);
  j["tags"] = alert.tags;
  j["node"] = alert.node;
  j["pack_version"] = alert.pack_version;
  j["count"] = alert.count;
  return j;
}

Json falco_json(const Alert& alert) {
  Json j;
  j["uuid"] = alert.id;
  j["output"] = alert.output;
  j["priority"] = falco_priority_name(alert.priority);
  j["rule"] = alert.rule;
  j["time"] = rules::format_rfc3339_utc(alert.time_ns);
  j["source"] = rules::source_name(alert.source);
  j["output_fields"] = output_fields_json(alert);
  j["tags"] = alert.tags;
  j["hostname"] = alert.node;
  return j;
}

}  // namespace

std::optional<AlertFormat> parse_alert_format(std::string_view name) {
  if (name == "panguard") return AlertFormat::kPanguard;
  if (name == "falco") return AlertFormat::kFalco;
  return std::nullopt;
}

std::string_view alert_format_name(AlertFormat format) {
  return format == AlertFormat::kFalco ? "falco" : "panguard";
}

std::string_view falco_priority_name(rules::Priority priority) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};
  return kNames[static_cast<std::size_t>(priority)];
}

std::string alert_to_json(const Alert& alert, AlertFormat format) {
  const Json j = format == AlertFormat::kFalco ? falco_json(alert) : panguard_json(alert);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace panguard::alerts
