// The Vault proxy's decision for one fully read request, with no sockets involved: verify the
// session JWT, canonicalize, classify, build the event, run the pipeline, and either say
// "forward" or produce the refusal (400 rejected, 401 unauthenticated, 403 denied, 429 over a
// rate limit with Retry-After).
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange

#include <cstdint>
#include <optional>
#include <string>

#include "agent/config/config.h"
#include "agent/identity/client_workload.h"
#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"
#include "agent/sources/vault/jwt_cache.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/request_event.h"
#include "agent/vault_proxy/proxy_executor.h"
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

// A coroutine: the pipeline may wait on the counter store, and the io thread serves other
// connections meanwhile. `request` and `client` (the connection's workload, put in the client.*
// fields) must outlive it.
ProxyAwaitable<GateDecision> gate_request(const GateContext& context, const ProxyRequest& request,
                                          const identity::ClientWorkload& client, int64_t now_ns);

// 400 `{"errors":["rejected: <code>"]}` plus a platform alert naming the code (and the tenant
// when one was verified). Also used for framing errors found before the body was read.
GateDecision reject_request(const GateContext& context, const std::string& code,
                            const std::optional<std::string>& tenant, int64_t now_ns);

}  // namespace panguard::agent
