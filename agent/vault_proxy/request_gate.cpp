#include "agent/vault_proxy/request_gate.h"

#include <atomic>
#include <string_view>
#include <vector>

#include "agent/log/log.h"
#include "agent/sources/vault/login_body.h"
#include "agent/sources/vault/operation.h"
#include "agent/sources/vault/request_target.h"

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Absent or invalid session token: no identity. The event then carries no tenant and the
// pack's fail-closed rule alerts on it.
vault::VerifiedIdentity verify_session(const GateContext& context, std::string_view token,
                                       int64_t now_ns) {
  static std::atomic<uint64_t> failures{0};
  auto verified =
      vault::verify_cached(context.verifier, context.jwt_cache, token, now_ns / kNanosPerSecond);
  if (auto* session = std::get_if<vault::VerifiedSession>(&verified)) {
    return {std::move(session->tenant_id), vault::IdentitySource::kJwt};
  }
  const uint64_t n = ++failures;
  if (log::should_log_occurrence(n)) {
    // The code only: the token itself never reaches a log line.
    log::warning("vault proxy: session token refused: ", std::get<vault::JwtError>(verified).code,
                 " (", n, " so far)");
  }
  return {};
}

// 429 with Retry-After in whole seconds, rounded up so a client that honours it is allowed.
ProxyResponse rate_limited(const ProcessResult& result) {
  ProxyResponse response =
      json_error(http::status::too_many_requests, "rate limited by panguard", result.alert_ids);
  const int64_t seconds =
      std::max<int64_t>(1, (result.retry_after_ns + kNanosPerSecond - 1) / kNanosPerSecond);
  response.set(http::field::retry_after, std::to_string(seconds));
  return response;
}

}  // namespace

GateDecision reject_request(const GateContext& context, const std::string& code,
                            const std::optional<std::string>& tenant, int64_t now_ns) {
  std::string reason = "rejected: " + code;
  if (tenant) reason += " (tenant " + *tenant + ")";
  context.pipeline.emit_platform(
      {"Vault request rejected", rules::Priority::kCritical, "vault_proxy", reason}, now_ns);
  return {VaultOutcome::kRejected, json_error(http::status::bad_request, "rejected: " + code)};
}

GateStart begin_gate(const GateContext& context, const ProxyRequest& request,
                     const identity::ClientWorkload& client, int64_t now_ns,
                     ProcessCompletion& completion) {
  const auto sessions = request.equal_range(context.session_header);
  const auto session_count = std::distance(sessions.first, sessions.second);
  if (session_count > 1)
    return GateStart::decided(reject_request(context, "duplicate_session_header", {}, now_ns));
  const vault::VerifiedIdentity identity =
      session_count == 1 ? verify_session(context, sessions.first->value(), now_ns)
                         : vault::VerifiedIdentity{};

  std::vector<std::string_view> namespaces;
  const auto namespace_fields = request.equal_range("X-Vault-Namespace");
  for (auto field = namespace_fields.first; field != namespace_fields.second; ++field) {
    namespaces.push_back(field->value());
  }
  auto canonical =
      vault::canonicalize(request.method_string(), request.target(), namespaces, context.layout);
  if (auto* rejection = std::get_if<vault::Rejection>(&canonical)) {
    return GateStart::decided(reject_request(context, rejection->code, identity.tenant_id, now_ns));
  }
  auto& canonical_request = std::get<vault::CanonicalRequest>(canonical);
  const vault::Operation operation = vault::classify(canonical_request);

  std::optional<std::string> role;
  if (operation.kind == vault::OperationKind::kLogin) {
    auto extracted = vault::extract_login_role(request.body());
    if (auto* rejection = std::get_if<vault::Rejection>(&extracted)) {
      return GateStart::decided(
          reject_request(context, rejection->code, identity.tenant_id, now_ns));
    }
    role = std::get<std::optional<std::string>>(std::move(extracted));
  }

  // Moved: the event takes over the request's strings, which nothing below reads again.
  auto event = vault::build_request_event(std::move(canonical_request), operation, context.patterns,
                                          role, identity);
  if (auto* rejection = std::get_if<vault::Rejection>(&event)) {
    return GateStart::decided(reject_request(context, rejection->code, identity.tenant_id, now_ns));
  }
  rules::Event& built = std::get<rules::Event>(event);
  identity::set_client_fields(built, client);
  // Inline when no store round trip is needed (the usual case): no scheduler turn per request.
  context.pipeline.process(std::move(built), now_ns, completion.callback());
  const bool verified = identity.tenant_id.has_value();
  if (!completion.done_inline()) return GateStart{std::nullopt, verified};
  return GateStart::decided(finish_gate(context, verified, completion.take()));
}

GateDecision finish_gate(const GateContext& context, bool verified, const ProcessResult& result) {
  if (!verified && context.mode == Mode::kEnforce) {
    return GateDecision{VaultOutcome::kUnauthenticated,
                        json_error(http::status::unauthorized, "missing or invalid session token",
                                   result.alert_ids)};
  }
  if (!result.evaluated && context.mode == Mode::kEnforce) {
    // Nothing checked the request, so enforce mode cannot let it through.
    return GateDecision{VaultOutcome::kDenied,
                        json_error(http::status::service_unavailable, "no rule pack loaded")};
  }
  if (result.denied) {
    return GateDecision{VaultOutcome::kDenied, json_error(http::status::forbidden,
                                                          "denied by panguard", result.alert_ids)};
  }
  if (result.limited) return GateDecision{VaultOutcome::kLimited, rate_limited(result)};
  return GateDecision{};
}

}  // namespace panguard::agent
