// A real Vault client drives the proxy: the npm package node-vault (version pinned by
// tests/integration/node/package-lock.json) runs node/node_vault_client.js against `panguard run`
// in front of the VaultStandIn. node-vault is installed with `npm ci` into the build tree on the
// first run and reused while the lock file is unchanged. Skipped, loudly, only when node or npm
// is not installed (scripts/install-deps.sh installs both).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

#include "integration_env.h"
#include "process.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

namespace fs = std::filesystem;

const fs::path kNodeSources = fs::path(PANGUARD_SOURCE_DIR) / "tests/integration/node";
const fs::path kNodeClientDir = PANGUARD_NODE_CLIENT_DIR;

// The absolute path of `name` on PATH (posix_spawn does not search it).
std::optional<std::string> on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// Installs node-vault from the pinned lock file unless the same lock is already installed.
// Returns "" or what went wrong. Install scripts are never run.
std::string install_node_vault(const std::string& npm) {
  const std::string lock = read_file(kNodeSources / "package-lock.json");
  const fs::path installed = kNodeClientDir / "node_modules/node-vault/package.json";
  if (fs::exists(installed) && read_file(kNodeClientDir / "package-lock.json") == lock) return "";
  fs::create_directories(kNodeClientDir);
  fs::copy_file(kNodeSources / "package.json", kNodeClientDir / "package.json",
                fs::copy_options::overwrite_existing);
  fs::copy_file(kNodeSources / "package-lock.json", kNodeClientDir / "package-lock.json",
                fs::copy_options::overwrite_existing);
  const RunResult result = run_process({npm, "ci", "--prefix", kNodeClientDir.string(),
                                        "--ignore-scripts", "--no-audit", "--no-fund"},
                                       45s);
  if (result.exit_code != 0)
    return "npm ci failed (" + std::to_string(result.exit_code) + "): " + result.err;
  return fs::exists(installed) ? "" : "npm ci did not install node-vault";
}

TEST(NodeVaultClientTest, ReadsItsOwnSecretAndIsDeniedAnotherTenants) {
  const auto node = on_path("node");
  const auto npm = on_path("npm");
  const auto env = on_path("env");
  if (!node || !npm || !env) {
    GTEST_SKIP() << "\n\n"
                    "*****************************************************************\n"
                    "*** SKIPPED: the node-vault client test needs `node` and `npm` ***\n"
                    "*** on PATH. Run scripts/install-deps.sh (nodejs, npm).        ***\n"
                    "*****************************************************************\n";
  }
  const std::string install_error = install_node_vault(*npm);
  ASSERT_EQ(install_error, "");

  VaultStandIn stand_in;
  ScratchDir scratch;
  ChildProcess daemon(
      {kPanguard, "run", "--config",
       proxy_config(scratch, "enforce", "http://127.0.0.1:" + std::to_string(stand_in.port()))});
  ASSERT_TRUE(daemon.wait_for_stderr(" ready\n", 20s)) << daemon.stderr_text();
  const auto port = listening_port(daemon.stderr_text(), "vault proxy");
  ASSERT_TRUE(port) << daemon.stderr_text();

  // Proxy variables are dropped so the client cannot be routed around the loopback proxy.
  const RunResult client = run_process(
      {*env, "-u", "HTTP_PROXY", "-u", "http_proxy", "-u", "HTTPS_PROXY", "-u", "https_proxy", "-u",
       "ALL_PROXY", "-u", "all_proxy", "NODE_PATH=" + (kNodeClientDir / "node_modules").string(),
       "PANGUARD_VAULT_ADDR=http://127.0.0.1:" + std::to_string(*port),
       "PANGUARD_SESSION=" + session_token("acme"), *node,
       (kNodeSources / "node_vault_client.js").string()},
      30s);
  EXPECT_EQ(client.exit_code, 0) << client.out << client.err;
  EXPECT_NE(client.out.find(R"("own":{"status":200)"), std::string::npos) << client.out;
  EXPECT_NE(client.out.find(R"("foreign":{"status":403)"), std::string::npos) << client.out;

  // Only acme's read reached the stand-in, with node-vault's token and without the session JWT.
  const auto seen = stand_in.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].head.rfind("GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\n", 0), 0u);
  std::string head = seen[0].head;
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(head.find("x-vault-token: stand-in-vault-token"), std::string::npos) << seen[0].head;
  EXPECT_EQ(head.find("x-panguard-session"), std::string::npos) << seen[0].head;
  EXPECT_TRUE(daemon.wait_for_stdout(R"("rule":"Vault path of another tenant")", 5s))
      << daemon.stdout_text();

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace panguard::integration
