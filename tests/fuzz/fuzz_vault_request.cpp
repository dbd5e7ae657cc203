// libFuzzer target: one raw Vault request through canonicalize -> classify -> extract_login_role
// -> build_request_event. Nothing may crash, and whatever is accepted must be canonical:
//   - paths and namespaces hold no empty, "." or ".." segment and only printable ASCII other
//     than '\', ';', '%', '?' and '#';
//   - the canonical path is a fixed point (canonicalizing "/v1/" + it gives it back);
//   - tenant.id is the verified identity's, whatever the request says.
// Input: "METHOD\nTARGET\n" then any "ns:VALUE\n" lines (X-Vault-Namespace headers), then
// optionally "body:" followed by the login body (the rest of the input).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/sources/vault/login_body.h"
#include "agent/sources/vault/operation.h"
#include "agent/sources/vault/request_event.h"
#include "agent/sources/vault/request_target.h"

using namespace panguard::vault;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "invariant broken: %s: [%.*s]\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check_canonical(std::string_view path, bool may_be_empty, const char* what) {
  if (path.empty()) {
    if (!may_be_empty) fail(what, "empty");
    return;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") fail(what, path);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\' || c == ';' || c == '%' || c == '?' || c == '#') {
      fail(what, path);
    }
  }
}

void check_rejection(const Rejection& rejection) {
  if (rejection.code.empty() || rejection.message.empty()) fail("empty rejection", "");
  for (char c : rejection.code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      fail("rejection code", rejection.code);
  }
  for (char c : rejection.message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) fail("rejection message", rejection.message);
  }
}

struct Input {
  std::string_view method;
  std::string_view target;
  std::vector<std::string_view> namespaces;
  std::optional<std::string_view> body;
};

std::optional<Input> split_input(std::string_view data) {
  auto next_line = [&data]() -> std::optional<std::string_view> {
    const std::size_t newline = data.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    std::string_view line = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    return line;
  };
  Input input;
  const auto method = next_line();
  const auto target = next_line();
  if (!method || !target) return std::nullopt;
  input.method = *method;
  input.target = *target;
  while (!data.empty()) {
    if (data.starts_with("body:")) {
      input.body = data.substr(5);
      break;
    }
    const auto line = next_line();
    if (!line || !line->starts_with("ns:")) break;
    input.namespaces.push_back(line->substr(3));
  }
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const TenantPatterns patterns = TenantPatterns::defaults();
  static const RequestLayout layout = request_layout(patterns);
  const auto input = split_input(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!input) return 0;

  auto canonical = canonicalize(input->method, input->target, input->namespaces, layout);
  if (const auto* rejection = std::get_if<Rejection>(&canonical)) {
    check_rejection(*rejection);
    return 0;
  }
  const auto& request = std::get<CanonicalRequest>(canonical);
  check_canonical(request.canonical_path, false, "canonical_path");
  check_canonical(request.logical_path, false, "logical_path");
  check_canonical(request.namespace_path, true, "namespace_path");
  if (request.raw_target != input->target) fail("raw_target", request.raw_target);
  if (request.list != (request.method == "LIST")) fail("list", request.method);
  if (request.logical_path.size() > request.canonical_path.size()) {
    fail("logical longer than canonical", request.logical_path);
  }

  // Canonical output is a fixed point: no decoding, no namespace or trailing slash left.
  RequestLayout plain;
  plain.kv2_mounts = layout.kv2_mounts;
  auto again = canonicalize("GET", "/v1/" + request.canonical_path, {}, plain);
  const auto* round = std::get_if<CanonicalRequest>(&again);
  if (!round) fail("canonical path rejected on a second pass", request.canonical_path);
  if (round->canonical_path != request.canonical_path ||
      round->logical_path != request.logical_path || round->had_trailing_slash) {
    fail("canonical path changed on a second pass", request.canonical_path);
  }

  const Operation operation = classify(request);
  if (operation_of(operation.kind) != operation) fail("operation", operation.name);

  std::optional<std::string> role;
  if (operation.kind == OperationKind::kLogin && input->body) {
    auto extracted = extract_login_role(*input->body);
    if (const auto* rejection = std::get_if<Rejection>(&extracted)) {
      check_rejection(*rejection);
      return 0;
    }
    role = std::get<std::optional<std::string>>(std::move(extracted));
  }

  const VerifiedIdentity identity{"acme", IdentitySource::kJwt};
  auto built = build_request_event(request, operation, patterns, role, identity);
  if (const auto* rejection = std::get_if<Rejection>(&built)) {
    check_rejection(*rejection);
    if (!rejection->code.starts_with("ambiguous_")) fail("event rejection", rejection->code);
    return 0;
  }
  const auto& event = std::get<panguard::rules::Event>(built);
  const std::string* tenant = event.get_string(panguard::rules::FieldId::kTenantId);
  if (!tenant || *tenant != "acme") fail("tenant.id not from the identity", "");
  return 0;
}
