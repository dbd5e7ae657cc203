// Shared setup for the Vault proxy tests that start the real `panguard run`: the pinned JWKS and
// a config with extra vault.* lines, session tokens signed by the pinned key, and the listening
// ports read from the daemon's log.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "integration_env.h"
#include "process.h"

namespace panguard::integration {

inline constexpr const char* kSessionIssuer = "https://issuer.panguard.test";
inline constexpr const char* kSessionAudience = "vault-proxy";

// A session JWT for `tenant`, EdDSA-signed by the key in the JWKS proxy_config() writes.
std::string session_token(const std::string& tenant, int64_t expires_in_seconds = 600);

// Writes jwks.json and panguard.yaml into `scratch` and returns the config's path. `upstream`
// is the vault.upstream value; `extra_vault` holds more lines for the vault: mapping, each
// indented by two spaces.
std::string proxy_config(const ScratchDir& scratch, const std::string& mode,
                         const std::string& upstream, const std::string& extra_vault = "");

// The port in the daemon's "<what> listening on 127.0.0.1:PORT" line ("vault proxy", "admin").
std::optional<uint16_t> listening_port(const std::string& stderr_text, const std::string& what);

// `panguard run --config <config>`, ready, with its vault proxy's port; `port` is 0 when the
// daemon did not come up (its stderr says why). stop() sends SIGTERM and returns the exit code
// (0 expected: a ThreadSanitizer race would make it non-zero).
struct ProxyDaemon {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
  static ProxyDaemon start(const std::string& config);
  std::optional<int> stop();
};

// The HTTP status of a raw response text, 0 when it is not an HTTP/1.1 response.
int status_of(const std::string& response_text);

}  // namespace panguard::integration
