#include "alerts/alert_builder.h"

#include <algorithm>
#include <vector>

#include "alerts/alert_id.h"
#include "rules/field_registry.h"
#include "rules/output_template.h"

namespace panguard::alerts {
namespace {

using rules::Event;
using rules::FieldId;

void add_field(std::vector<FieldId>& ids, FieldId id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

std::vector<FieldId> output_field_ids(const rules::CompiledRule& rule) {
  std::vector<FieldId> ids;
  for (FieldId id : rule.output.fields()) add_field(ids, id);
  if (rule.limit) {
    for (FieldId id : rule.limit->key) add_field(ids, id);
  }
  add_field(ids, FieldId::kTenantId);
  add_field(ids, FieldId::kTenantSource);
  return ids;
}

int64_t alert_time(const Event& event, int64_t now_ns) {
  const int64_t* event_time = event.get_int(FieldId::kEvtTime);
  return event_time ? *event_time : now_ns;
}

Alert base_alert(const Event& event, const AlertContext& context) {
  Alert alert;
  alert.id = new_alert_id();
  alert.time_ns = alert_time(event, context.now_ns);
  alert.source = event.source();
  if (const std::string* tenant = event.get_string(FieldId::kTenantId)) alert.tenant_id = *tenant;
  alert.node = std::string(context.node);
  alert.pack_version = std::string(context.pack_version);
  return alert;
}

}  // namespace

Alert build_alert(const rules::CompiledRule& rule, const Event& event, const AlertContext& context,
                  rules::Action action) {
  Alert alert = base_alert(event, context);
  alert.rule = rule.name;
  alert.priority = rule.priority;
  alert.action = action;
  alert.output = rule.output.render(event);
  for (FieldId id : output_field_ids(rule)) {
    alert.output_fields.emplace_back(std::string(rules::field_info(id).name), event.get(id));
  }
  alert.tags = rule.tags;
  return alert;
}

Alert build_platform_alert(const PlatformAlertSpec& spec, const AlertContext& context) {
  Event event(rules::Source::kPlatform);
  event.set(FieldId::kEvtTime, context.now_ns);
  event.set(FieldId::kPlatformComponent, spec.component);
  event.set(FieldId::kPlatformReason, spec.reason);

  Alert alert = base_alert(event, context);
  alert.rule = spec.rule;
  alert.priority = spec.priority;
  alert.output = spec.rule + " (component=" + rules::escape_value(spec.component) +
                 " reason=" + rules::escape_value(spec.reason) + ")";
  for (FieldId id : {FieldId::kPlatformComponent, FieldId::kPlatformReason}) {
    alert.output_fields.emplace_back(std::string(rules::field_info(id).name), event.get(id));
  }
  alert.tags = {"platform"};
  return alert;
}

}  // namespace panguard::alerts
