// Strict canonicalization of a Vault HTTP request: method, request target and X-Vault-Namespace
// header(s) become one canonical request, or a Rejection. Reject, never repair: any input that
// two HTTP stacks could read differently (encoded slashes, double encoding, dot segments, ...)
// is refused instead of being normalized. The rules are listed in docs/vault.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/sources/vault/tenant_pattern.h"

namespace panguard::vault {

// Why a request was refused. The proxy answers 400 and raises an alert; the request is never
// forwarded. `message` never echoes request bytes (no secrets, no log injection).
struct Rejection {
  std::string code;     // short and stable, e.g. "encoded_slash"
  std::string message;  // for humans

  bool operator==(const Rejection&) const = default;
};

inline constexpr std::size_t kMaxTargetBytes = 8192;
inline constexpr std::size_t kMaxNamespaceHeaderBytes = 1024;

// The configured shape of Vault paths. Vault accepts the namespace as a path prefix, so the
// namespace pattern also decides how many leading path segments may be namespace segments.
struct RequestLayout {
  std::optional<TenantPattern> namespace_pattern;  // vault.tenant_namespace
  std::vector<std::string> kv2_mounts{"secret"};   // KV v2 mounts whose infix is stripped

  // Segments of a namespace before any trailing `**` of its pattern; 0 without a pattern.
  std::size_t namespace_depth() const;

  // namespace_pattern `tenants/{tenant}`, kv2_mounts {"secret"}.
  static RequestLayout defaults();
};

struct CanonicalRequest {
  std::string method;      // GET, HEAD, LIST, POST, PUT, PATCH, DELETE; GET ?list=true becomes LIST
  bool list = false;       // a LIST operation (method LIST or GET ?list=true)
  std::string raw_target;  // the request target exactly as received
  std::string raw_path;    // raw_target after "/v1/" and before '?', as received
  std::string canonical_path;       // decoded, namespace prefix removed, KV v2 infix kept
  std::string logical_path;         // canonical_path without the KV v2 infix
  std::string namespace_path;       // effective namespace (header + path prefix); may be empty
  bool had_trailing_slash = false;  // the one trailing '/' Vault clients send for LIST
  std::optional<int64_t> version;   // ?version=N

  bool operator==(const CanonicalRequest&) const = default;
};

using CanonicalizeResult = std::variant<CanonicalRequest, Rejection>;

// `namespace_headers` holds the value of every X-Vault-Namespace header received, in order.
CanonicalizeResult canonicalize(std::string_view method, std::string_view target,
                                const std::vector<std::string_view>& namespace_headers,
                                const RequestLayout& layout);

}  // namespace panguard::vault
