// libFuzzer target: the input is raw bytes as Vault's `socket` audit device would send them.
// Framing must not depend on how the socket splits the stream, and every framed record must map
// to a well-formed vault.audit event, be skipped, or be rejected with a short printable message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/sources/vault/audit_record.h"
#include "agent/sources/vault/audit_stream.h"

namespace {

using panguard::rules::Event;
using panguard::rules::FieldId;
using namespace panguard::vault;

constexpr std::size_t kMaxRecordBytes = 4096;  // small, so over-long records are reachable
constexpr std::size_t kMaxErrorMessage = 300;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

struct Framed {
  std::vector<std::string> records;
  std::vector<FramingErrorKind> errors;
  bool operator==(const Framed&) const = default;
};

Framed frame(std::string_view stream, std::size_t chunk) {
  AuditFramerOptions options;
  options.max_record_bytes = kMaxRecordBytes;
  AuditFramer framer(options);
  Framed out;
  auto on_record = [&](std::string_view record) { out.records.emplace_back(record); };
  auto on_error = [&](const FramingError& error) {
    if (error.message.empty()) fail("framing error without a message");
    out.errors.push_back(error.kind);
  };
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    framer.feed(stream.substr(at, chunk), on_record, on_error);
    if (framer.buffered_bytes() > kMaxRecordBytes) fail("framer buffered past its limit");
  }
  framer.finish(on_error);
  return out;
}

AuditMapping mapping(bool include_responses, bool logins_from_responses) {
  static const TenantPatterns patterns = TenantPatterns::defaults();
  AuditMapping m;
  m.tenant_patterns = patterns;
  m.namespace_to_tenant = [](std::string_view ns) -> std::optional<std::string> {
    if (ns == "acme-prod") return "acme";
    if (ns == "globex-prod") return "globex";
    return std::nullopt;
  };
  m.include_responses = include_responses;
  m.logins_from_responses = logins_from_responses;
  return m;
}

bool is_operation_name(const std::string& name) {
  for (const char* known : {"read", "list", "write", "delete", "login", "token_create",
                            "oidc_token", "unwrap", "rewrap", "lookup", "sys", "other"}) {
    if (name == known) return true;
  }
  return false;
}

// The shape of a tenant id (a DNS label); owners are captured by the tenant patterns.
bool looks_like_tenant_id(const std::string& id) {
  if (id.empty() || id.size() > 63 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void check_event(const Event& event) {
  const std::string* type = event.get_string(FieldId::kEvtType);
  if (event.source() != panguard::rules::Source::kVault || !type || *type != "vault.audit") {
    fail("not a vault.audit event");
  }
  if (!event.has(FieldId::kEvtTime)) fail("no evt.time");
  if (event.has(FieldId::kVaultMethod)) fail("invented an HTTP method");

  const std::string* source = event.get_string(FieldId::kTenantSource);
  const std::string* tenant = event.get_string(FieldId::kTenantId);
  if (!source || (*source != "account" && *source != "none")) fail("bad tenant.source");
  if ((*source == "account") != (tenant != nullptr)) fail("tenant.id without account source");
  if (tenant && *tenant != "acme" && *tenant != "globex") fail("tenant not from the mapping");

  const std::string* operation = event.get_string(FieldId::kVaultOperation);
  if (!operation || !is_operation_name(*operation)) fail("bad vault.operation");
  if (!event.has(FieldId::kVaultTokenExchange)) fail("no vault.token_exchange");
  if (event.has(FieldId::kVaultRole) && *operation != "login") fail("role outside a login");

  const std::string* raw = event.get_string(FieldId::kVaultRawPath);
  const std::string* path = event.get_string(FieldId::kVaultPath);
  if (!raw || raw->empty() || !path || path->empty()) fail("missing path");
  if (path->back() == '/' || path->front() == '/') fail("vault.path not canonical");
  for (FieldId owner :
       {FieldId::kVaultPathTenant, FieldId::kVaultNamespaceTenant, FieldId::kVaultRoleTenant}) {
    if (const std::string* id = event.get_string(owner); id && !looks_like_tenant_id(*id)) {
      fail("owner is not a valid tenant id");
    }
  }
}

void check_error(const AuditError& error) {
  if (error.message.empty() || error.message.size() > kMaxErrorMessage) fail("error size");
  for (char c : error.message) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      fail("non-printable byte in an error message");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const Framed whole = frame(stream, stream.size() + 1);
  if (!(frame(stream, 1 + size % 97) == whole)) fail("framing depends on chunking");

  for (std::size_t i = 0; i < whole.records.size(); ++i) {
    const AuditMapping m = mapping(i % 2 == 1, i % 3 != 2);
    const AuditResult result = parse_audit_record(whole.records[i], m);
    if (const auto* event = std::get_if<Event>(&result)) {
      check_event(*event);
      const AuditResult again = parse_audit_record(whole.records[i], m);
      const auto* same = std::get_if<Event>(&again);
      if (!same || !(*same == *event)) fail("mapping is not deterministic");
    } else if (const auto* error = std::get_if<AuditError>(&result)) {
      check_error(*error);
    }
  }
  return 0;
}
