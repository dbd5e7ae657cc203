// vault_gate_bench: CPU cost of the Vault proxy's per-request work without sockets, in ns/request:
// begin_gate (session JWT through a real JwtVerifier + JwtCache, canonicalize, classify,
// build_request_event, the embedded default pack through a real Pipeline with the in-memory
// store) plus serialize_upstream_head, for `GET /v1/secret/data/tenants/acme/db` by tenant acme.
//   vault_gate_bench [REQUESTS_PER_RUN] [RUNS]
// Each request starts from a copy of one parsed request (the server parses a fresh one each
// time); the copy alone is timed too and subtracted, so the figure is the gate's own cost.
// Time is this thread's CPU time: on a shared machine other processes are not charged to it.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/metrics/metrics.h"
#include "agent/packs/pack_loading.h"
#include "agent/pipeline/pipeline.h"
#include "agent/sources/vault/jwks.h"
#include "agent/sources/vault/jwt_cache.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/request_event.h"
#include "agent/store/memory_store.h"
#include "agent/vault_proxy/request_gate.h"
#include "alerts/sink.h"
#include "tests/unit/vault/jwt_test_keys.h"

namespace {

using namespace panguard;
using namespace panguard::agent;
namespace http = boost::beast::http;

constexpr int64_t kNow = 1'800'000'000;  // Unix seconds, inside the token's validity
constexpr int64_t kSecond = 1'000'000'000;

// Counts instead of keeping: the benchmark's request raises no alert, and one would show here.
class DiscardingSink : public alerts::Sink {
 public:
  bool write(const alerts::Alert&) override {
    ++written;
    return true;
  }
  uint64_t written = 0;
};

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string session_token(const vault::testing::TestKey& key) {
  return vault::testing::sign_token(
      key, R"({"alg":"EdDSA","typ":"JWT","kid":"bench"})",
      R"({"iss":"https://issuer.example","aud":"vault-proxy","sub":"system:serviceaccount:acme:app",)"
      R"("tenant_id":"acme","iat":1799999000,"exp":1800003600})");
}

ProxyRequest realistic_request(const std::string& token) {
  ProxyRequest request(http::verb::get, "/v1/secret/data/tenants/acme/db", 11);
  request.set(http::field::host, "vault.vault.svc:8200");
  request.set(http::field::user_agent, "vault-client-go/v0.4.3 (Darwin arm64; Go go1.22.1)");
  request.set(http::field::accept, "*/*");
  request.set("X-Vault-Request", "true");
  request.set("X-Vault-Token", "hvs.CAESIJ2Dk2sd7hXbY3p8aQ0wKx7bXgZpYkq1tT2eXf3nLm9a");
  request.set("X-Panguard-Session", token);
  request.prepare_payload();
  return request;
}

struct Loop {
  uint64_t forwarded = 0;
  uint64_t head_bytes = 0;  // of the upstream head: keeps it from being elided
};

// `with_gate` false times only the per-request copy that the figure subtracts.
void run_loop(const GateContext& gate, const ProxyRequest& parsed, std::size_t count,
              bool with_gate, Loop& loop) {
  const identity::ClientWorkload client{};
  std::string upstream_head;  // as the upstream connection's, its capacity kept
  for (std::size_t i = 0; i < count; ++i) {
    ProxyRequest request = parsed;
    if (with_gate) {
      ProcessCompletion completion;  // the in-memory store answers inline: never waited on
      const GateStart start =
          begin_gate(gate, request, client, kNow * kSecond + static_cast<int64_t>(i), completion);
      if (start.decision && start.decision->outcome == VaultOutcome::kForwarded) ++loop.forwarded;
      serialize_upstream_head(request, gate.session_header, upstream_head);
    }
    loop.head_bytes += upstream_head.size() + request.target().size();
  }
}

double ns_per_request(const GateContext& gate, const ProxyRequest& parsed, std::size_t count,
                      bool with_gate, Loop& loop) {
  const double start = thread_cpu_seconds();
  run_loop(gate, parsed, count, with_gate, loop);
  return (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(count);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200'000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 7;

  const auto& key = vault::testing::ed25519_key();
  auto keys = vault::load_jwks(vault::testing::jwks_text({key.jwk("bench")}));
  if (!std::holds_alternative<vault::KeySet>(keys)) {
    std::fprintf(stderr, "JWKS refused\n");
    return 1;
  }
  const vault::JwtVerifier verifier(std::get<vault::KeySet>(std::move(keys)),
                                    vault::JwtPolicy{"https://issuer.example", "vault-proxy"});
  vault::JwtCache cache(10'000, 300);
  const vault::TenantPatterns patterns = vault::TenantPatterns::defaults();
  const vault::RequestLayout layout = vault::request_layout(patterns);

  PackLoadResult pack = load_rule_pack({});  // the embedded default pack
  if (!pack.ok()) {
    std::fprintf(stderr, "default pack refused: %s\n", pack.first_error().c_str());
    return 1;
  }
  PackHolder packs;
  packs.swap(pack.snapshot);
  MemoryStore store;
  DiscardingSink sink;
  Metrics metrics;
  Pipeline pipeline(PipelineOptions{"bench-node", Mode::kEnforce}, packs, store, sink, metrics);
  const GateContext gate{
      verifier, cache, patterns, layout, pipeline, Mode::kEnforce, "X-Panguard-Session"};

  const ProxyRequest parsed = realistic_request(session_token(key));
  Loop warmup;
  ns_per_request(gate, parsed, count / 4 + 1, true, warmup);
  if (warmup.forwarded != count / 4 + 1 || sink.written != 0) {
    std::fprintf(stderr,
                 "benchmark request was not forwarded cleanly (%llu forwarded, %llu alerts)\n",
                 static_cast<unsigned long long>(warmup.forwarded),
                 static_cast<unsigned long long>(sink.written));
    return 1;
  }

  std::vector<double> gate_ns;
  std::vector<double> copy_ns;
  for (int run = 0; run < runs; ++run) {
    Loop with_gate;
    Loop copy_only;
    gate_ns.push_back(ns_per_request(gate, parsed, count, true, with_gate));
    copy_ns.push_back(ns_per_request(gate, parsed, count, false, copy_only));
  }
  const double with_gate_ns = median(gate_ns);
  const double copy_only_ns = median(copy_ns);
  std::printf("requests/run %zu runs %d\n", count, runs);
  std::printf("copy+gate+upstream head ns/request (median) %.0f\n", with_gate_ns);
  std::printf("request copy ns/request (median)      %.0f\n", copy_only_ns);
  std::printf("gate+upstream head ns/request               %.0f\n", with_gate_ns - copy_only_ns);
  return 0;
}
