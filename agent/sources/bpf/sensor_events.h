// Kernel records (bpf/panguard_events.h) -> normalized events. Every record is checked
// (size, version, kind) before a field is read: a malformed record is an error, never an
// event. Identity (cgroup -> pod -> tenant) is filled by the WorkloadResolver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/identity/workload_identity.h"
#include "rules/event.h"

namespace panguard::agent::sensor {

struct EventContext {
  std::string node_name;
  int64_t monotonic_to_realtime_ns = 0;  // added to the kernel's CLOCK_MONOTONIC stamps
  const identity::WorkloadResolver* identity = nullptr;  // null: proc.cgroup_id only
  std::vector<uint16_t> nats_ports;  // sends to these are also parsed as NATS protocol
};

// CLOCK_REALTIME - CLOCK_MONOTONIC, now.
int64_t monotonic_to_realtime_offset();

// The event, or why the record was refused.
std::variant<rules::Event, std::string> record_to_event(std::span<const std::byte> record,
                                                        const EventContext& context);

// For a send record to one of context.nats_ports: one nats.publish / nats.subscribe event
// (source nats) per PUB / HPUB / SUB found in the payload prefix (nats_prefix.h). Empty for
// anything else, or for a record record_to_event refuses.
std::vector<rules::Event> nats_events(std::span<const std::byte> record,
                                      const EventContext& context);

// Payload bytes as text: printable ASCII as is, '\\' as "\\\\", anything else as "\\xNN".
std::string escape_payload(std::string_view bytes);

// "10.0.0.1", "fd00::1" from a family and 16 address bytes.
std::string address_text(uint16_t family, const uint8_t* addr);

}  // namespace panguard::agent::sensor
