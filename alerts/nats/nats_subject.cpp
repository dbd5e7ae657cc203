#include "alerts/nats/nats_subject.h"

#include "rules/priority.h"

namespace panguard::alerts::nats {
namespace {

bool plain_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::optional<std::string> tenant_token(std::string_view tenant) {
  if (tenant.empty() || tenant.size() > kMaxTenantBytes) return std::nullopt;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string token;
  token.reserve(tenant.size());
  for (char ch : tenant) {
    const auto c = static_cast<unsigned char>(ch);
    if (plain_byte(c)) {
      token += ch;
    } else {
      token += '%';
      token += kHex[c >> 4];
      token += kHex[c & 0x0F];
    }
  }
  return token;
}

std::optional<std::string> alert_subject(const Alert& alert, std::string& error) {
  const std::string_view priority = rules::priority_name(alert.priority);
  if (!alert.tenant_id) {
    std::string subject(kPlatformSubjectPrefix);
    subject += priority;
    return subject;
  }
  auto token = tenant_token(*alert.tenant_id);
  if (!token) {
    error = alert.tenant_id->empty() ? "empty tenant id" : "tenant id longer than 253 bytes";
    return std::nullopt;
  }
  std::string subject(kAlertSubjectPrefix);
  subject += *token;
  subject += '.';
  subject += priority;
  return subject;
}

bool valid_msg_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

}  // namespace panguard::alerts::nats
