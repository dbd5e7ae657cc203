#include "agent/sources/vault/operation.h"

#include <optional>
#include <vector>

namespace panguard::vault {
namespace {

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      return segments;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

// auth/<mount>/login and auth/<mount>/login/<name>; <mount> may span several segments
// (auth/kubernetes/prod/login), so "login" is looked for as the last or next-to-last segment.
bool is_login(const std::vector<std::string_view>& s) {
  if (s.size() < 3 || s[0] != "auth") return false;
  return s.back() == "login" || (s.size() >= 4 && s[s.size() - 2] == "login");
}

bool is_token_create(const std::vector<std::string_view>& s) {
  if (s.size() < 3 || s[0] != "auth" || s[1] != "token") return false;
  if (s.size() == 3) return s[2] == "create" || s[2] == "create-orphan";
  return s.size() == 4 && s[2] == "create";
}

bool is_oidc_token(const std::vector<std::string_view>& s) {
  return s.size() == 4 && s[0] == "identity" && s[1] == "oidc" && s[2] == "token";
}

std::optional<OperationKind> wrapping_kind(const std::vector<std::string_view>& s) {
  if (s.size() != 3 || s[0] != "sys" || s[1] != "wrapping") return std::nullopt;
  if (s[2] == "unwrap") return OperationKind::kUnwrap;
  if (s[2] == "rewrap") return OperationKind::kRewrap;
  if (s[2] == "lookup") return OperationKind::kLookup;
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
  const auto segments = split_segments(request.canonical_path);
  if (is_token_create(segments)) return operation_of(OperationKind::kTokenCreate);
  if (is_login(segments)) return operation_of(OperationKind::kLogin);
  if (is_oidc_token(segments)) return operation_of(OperationKind::kOidcToken);
  if (const auto wrapping = wrapping_kind(segments)) return operation_of(*wrapping);
  if (segments.front() == "sys") return operation_of(OperationKind::kSys);
  return operation_of(by_method(request));
}

}  // namespace panguard::vault
