// NATS subjects for alerts, built once per alert. Pure functions, no I/O.
//   tenant alert:   panguard.alerts.<tenant token>.<priority>
//   platform event: panguard.platform.<priority>          (alerts without a tenant_id)
// The tenant token is escaped, never trusted: every byte outside [A-Za-z0-9_-] (so '.', '*',
// '>', '%', whitespace, control and non-ASCII bytes) becomes "%XX" (upper-case hex). The mapping is
// deterministic and injective ("a.b" → "a%2Eb", "a%2Eb" → "a%252Eb"), so a tenant id can neither
// add subject levels nor wildcards, nor collide with another tenant's token. docs/alerts.md
// "NATS JetStream" describes it for subscribers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/alert.h"

namespace panguard::alerts::nats {

inline constexpr std::string_view kAlertSubjectPrefix = "panguard.alerts.";
inline constexpr std::string_view kPlatformSubjectPrefix = "panguard.platform.";
// Longest tenant id accepted (bytes, before escaping).
inline constexpr std::size_t kMaxTenantBytes = 253;

// The escaped single subject token for `tenant`; nullopt for an empty or over-long tenant id.
std::optional<std::string> tenant_token(std::string_view tenant);

// The subject for `alert`; nullopt (and `error` set) when its tenant id is present but unusable.
std::optional<std::string> alert_subject(const Alert& alert, std::string& error);

// A Nats-Msg-Id value: non-empty, at most 128 bytes, printable ASCII without spaces.
bool valid_msg_id(std::string_view id);

}  // namespace panguard::alerts::nats
