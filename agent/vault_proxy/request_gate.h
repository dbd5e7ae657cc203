// The Vault proxy's decision for one fully read request, with no sockets involved: verify the
// session JWT, canonicalize, classify, build the event, run the pipeline, and either say
// "forward" or produce the refusal (400 rejected, 401 unauthenticated, 403 denied, 429 over a
// rate limit with Retry-After).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/config/config.h"
#include "agent/identity/client_workload.h"
#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"
#include "agent/pipeline/process_completion.h"
#include "agent/sources/vault/jwt_cache.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/request_event.h"
#include "agent/vault_proxy/proxy_http.h"

namespace panguard::agent {

// Immutable after start, shared by every request; only the cache and the pipeline's sink change.
struct GateContext {
  const vault::JwtVerifier& verifier;
  vault::JwtCache& jwt_cache;
  const vault::TenantPatterns& patterns;
  const vault::RequestLayout& layout;
  Pipeline& pipeline;
  Mode mode = Mode::kMonitor;
  std::string session_header;
};

struct GateDecision {
  VaultOutcome outcome = VaultOutcome::kForwarded;
  std::optional<ProxyResponse> refusal;  // set unless outcome is kForwarded
};

// The gate in two halves, so a request whose verdict needs no counter store round trip (the
// usual case) costs no coroutine frame of its own. begin_gate verifies, canonicalizes, builds
// the event and hands it to the pipeline; its `decision` is set when the request is refused
// before the pipeline or the pipeline answered inline. Otherwise the caller waits on
// `completion` and passes the result to finish_gate. `request`, `client` (the connection's
// workload, put in the client.* fields) and `completion` must outlive the wait.
struct GateStart {
  std::optional<GateDecision> decision;
  bool verified = false;  // a session JWT was verified: for finish_gate
  static GateStart decided(GateDecision decision) { return {std::move(decision), false}; }
};
GateStart begin_gate(const GateContext& context, const ProxyRequest& request,
                     const identity::ClientWorkload& client, int64_t now_ns,
                     ProcessCompletion& completion);
GateDecision finish_gate(const GateContext& context, bool verified, const ProcessResult& result);

// 400 `{"errors":["rejected: <code>"]}` plus a platform alert naming the code (and the tenant
// when one was verified). Also used for framing errors found before the body was read.
GateDecision reject_request(const GateContext& context, const std::string& code,
                            const std::optional<std::string>& tenant, int64_t now_ns);

}  // namespace panguard::agent
