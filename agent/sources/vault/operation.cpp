#include "agent/sources/vault/operation.h"

#include <array>
#include <optional>

#include "agent/sources/vault/path_segments.h"

namespace panguard::vault {
namespace {

// The parts of a canonical path that classify() looks at, gathered in one walk instead of a
// vector of every segment (a heap allocation per request).
struct PathShape {
  std::size_t size = 0;
  std::array<std::string_view, 4> head{};  // the first four segments; "" past size
  std::string_view last;
  std::string_view next_to_last;  // "" when there is only one segment
};

PathShape shape_of(std::string_view path) {
  PathShape shape;
  SegmentCursor cursor(path);
  while (const auto segment = cursor.next()) {
    if (shape.size < shape.head.size()) shape.head[shape.size] = *segment;
    shape.next_to_last = shape.last;
    shape.last = *segment;
    ++shape.size;
  }
  return shape;
}

// auth/<mount>/login and auth/<mount>/login/<name>; <mount> may span several segments
// (auth/kubernetes/prod/login), so "login" is looked for as the last or next-to-last segment.
bool is_login(const PathShape& s) {
  if (s.size < 3 || s.head[0] != "auth") return false;
  return s.last == "login" || (s.size >= 4 && s.next_to_last == "login");
}

bool is_token_create(const PathShape& s) {
  if (s.size < 3 || s.head[0] != "auth" || s.head[1] != "token") return false;
  if (s.size == 3) return s.head[2] == "create" || s.head[2] == "create-orphan";
  return s.size == 4 && s.head[2] == "create";
}

bool is_oidc_token(const PathShape& s) {
  return s.size == 4 && s.head[0] == "identity" && s.head[1] == "oidc" && s.head[2] == "token";
}

std::optional<OperationKind> wrapping_kind(const PathShape& s) {
  if (s.size != 3 || s.head[0] != "sys" || s.head[1] != "wrapping") return std::nullopt;
  if (s.head[2] == "unwrap") return OperationKind::kUnwrap;
  if (s.head[2] == "rewrap") return OperationKind::kRewrap;
  if (s.head[2] == "lookup") return OperationKind::kLookup;
  return std::nullopt;
}

OperationKind by_method(const CanonicalRequest& request) {
  const std::string_view method = request.method;
  if (request.list || method == "LIST") return OperationKind::kList;
  if (method == "GET" || method == "HEAD") return OperationKind::kRead;
  if (method == "POST" || method == "PUT" || method == "PATCH") return OperationKind::kWrite;
  if (method == "DELETE") return OperationKind::kDelete;
  return OperationKind::kOther;
}

}  // namespace

Operation operation_of(OperationKind kind) {
  switch (kind) {
    case OperationKind::kRead:
      return {kind, "read", false};
    case OperationKind::kList:
      return {kind, "list", false};
    case OperationKind::kWrite:
      return {kind, "write", false};
    case OperationKind::kDelete:
      return {kind, "delete", false};
    case OperationKind::kLogin:
      return {kind, "login", true};
    case OperationKind::kTokenCreate:
      return {kind, "token_create", true};
    case OperationKind::kOidcToken:
      return {kind, "oidc_token", true};
    case OperationKind::kUnwrap:
      return {kind, "unwrap", true};
    case OperationKind::kRewrap:
      return {kind, "rewrap", true};
    case OperationKind::kLookup:
      return {kind, "lookup", true};
    case OperationKind::kSys:
      return {kind, "sys", false};
    case OperationKind::kOther:
      break;
  }
  return {OperationKind::kOther, "other", false};
}

Operation classify(const CanonicalRequest& request) {
  const PathShape shape = shape_of(request.canonical_path);
  if (is_token_create(shape)) return operation_of(OperationKind::kTokenCreate);
  if (is_login(shape)) return operation_of(OperationKind::kLogin);
  if (is_oidc_token(shape)) return operation_of(OperationKind::kOidcToken);
  if (const auto wrapping = wrapping_kind(shape)) return operation_of(*wrapping);
  if (shape.head[0] == "sys") return operation_of(OperationKind::kSys);
  return operation_of(by_method(request));
}

}  // namespace panguard::vault
