// Turns a fired rule and its event into an Alert. The tenant is copied from the event here, at
// emission, so routing later never has to look it up again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/alert.h"
#include "rules/event.h"
#include "rules/rule_pack.h"

namespace panguard::alerts {

struct AlertContext {
  std::string_view node;          // this agent's node name
  std::string_view pack_version;  // version of the pack snapshot that evaluated the event
  int64_t now_ns = 0;             // used as the alert time when the event carries no evt.time
};

Alert build_alert(const rules::CompiledRule& rule, const rules::Event& event,
                  const AlertContext& context, rules::Action action);

// Platform events (pack refused, sensor drops, store degraded) are not tenant alerts: source
// platform, no tenant_id, the reason in platform.reason.
struct PlatformAlertSpec {
  std::string rule;  // e.g. "Rule pack refused"
  rules::Priority priority = rules::Priority::kCritical;
  std::string component;  // e.g. "rules"
  std::string reason;
};

Alert build_platform_alert(const PlatformAlertSpec& spec, const AlertContext& context);

}  // namespace panguard::alerts
