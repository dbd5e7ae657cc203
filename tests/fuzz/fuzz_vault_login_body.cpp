// libFuzzer target: extract_login_role on arbitrary bodies. Nothing may crash; a role it returns
// must be non-empty printable ASCII of bounded size and must be exactly what a second, lenient
// JSON parser reads as the body's top-level "role" (the two parsers may not disagree); matching
// it against the default role pattern must attribute it only to the tenant it starts with.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "agent/sources/vault/login_body.h"
#include "agent/sources/vault/request_event.h"

using namespace panguard::vault;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "invariant broken: %s: [%.*s]\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const TenantPatterns patterns = TenantPatterns::defaults();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto result = extract_login_role(body);
  if (const auto* rejection = std::get_if<Rejection>(&result)) {
    if (!rejection->code.starts_with("login_") || rejection->message.empty()) {
      fail("rejection", rejection->code);
    }
    return 0;
  }
  const auto& role = std::get<std::optional<std::string>>(result);
  if (body.empty()) {
    if (role) fail("role from an empty body", *role);
    return 0;
  }
  const auto lenient = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (lenient.is_discarded() || !lenient.is_object()) fail("accepted a non-object", body);
  const auto found = lenient.find("role");
  if (!role) {
    if (found != lenient.end()) fail("role missed", body);
    return 0;
  }
  if (found == lenient.end() || !found->is_string() || found->get<std::string>() != *role) {
    fail("parsers disagree about the role", body);
  }
  if (role->empty() || role->size() > kMaxRoleBytes) fail("role size", *role);
  for (char c : *role) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) fail("role byte", *role);
  }
  const MatchResult owner = patterns.roles.match(*role);
  if (owner.kind == MatchResult::Kind::kTenant && !role->starts_with(owner.tenant + "-")) {
    fail("role attributed to a tenant it does not start with", *role);
  }
  return 0;
}
