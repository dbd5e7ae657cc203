// `panguard evidence export|verify` through the real binary: keygen for the node and two
// tenants, a daemon writing acme's audit stream, export of a time range, verify OK (with and
// without the node key, --print), then a wrong key, a flipped byte, a cut-off file and a
// tampered stream, each refused with the documented exit code.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "http_client.h"
#include "integration_env.h"
#include "process.h"

namespace panguard::integration {
namespace {

namespace fs = std::filesystem;

// Alert i is at 2026-11-29T10:00:<i>Z (the event's own time).
std::string vault_event(const std::string& tenant, int i) {
  nlohmann::json j;
  j["source"] = "vault";
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "2026-11-29T10:00:%02dZ", i);
  j["time"] = stamp;
  j["fields"] = {{"tenant.id", tenant},
                 {"tenant.source", "jwt"},
                 {"vault.path", "secret/tenants/other" + std::to_string(i) + "/db"},
                 {"vault.path_tenant", "other" + std::to_string(i)},
                 {"vault.operation", "read"}};
  return j.dump() + "\n";
}

class EvidenceCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [flag, dir] : {std::pair<std::string, std::string>{"", "keys"},
                                    {"--tenant-box", "acme-keys"},
                                    {"--tenant-box", "globex-keys"}}) {
      std::vector<std::string> argv = {kPanguard, "keygen", "--out", path(dir)};
      if (!flag.empty()) argv.push_back(flag);
      const RunResult keygen = run_process(argv);
      ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    }
    struct stat st {};
    ASSERT_EQ(::stat(path("acme-keys/tenant.box.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // A tenant key is never replaced either.
    EXPECT_EQ(
        run_process({kPanguard, "keygen", "--tenant-box", "--out", path("acme-keys")}).exit_code,
        3);

    dir_.write("rules.yaml", read_file(kData / "pack-v1.yaml"));
    // Checkpoints only at shutdown (dated "now", after every alert), so the range is contiguous.
    const std::string config =
        dir_.write("panguard.yaml",
                   "node_name: it-node\n"
                   "rules:\n  paths: [rules.yaml]\n"
                   "admin:\n  listen: 127.0.0.1:0\n  allow_event_ingest: true\n"
                   "alerts:\n  routes:\n"
                   "    - name: audit\n      scope: all_tenants\n"
                   "      sink:\n        type: audit_file\n        dir: audit\n"
                   "        rotate_bytes: 4096\n        fsync: interval\n"
                   "        node_key_file: keys/node.key\n        checkpoint_interval_s: 3600\n");
    ChildProcess daemon({kPanguard, "run", "--config", config});
    ASSERT_TRUE(daemon.wait_for_stderr(" ready\n", 20s)) << daemon.stderr_text();
    std::smatch match;
    const std::string err = daemon.stderr_text();
    ASSERT_TRUE(
        std::regex_search(err, match, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)")));
    std::string body;
    for (int i = 0; i < 30; ++i) body += vault_event("acme", i);
    for (int i = 0; i < 5; ++i) body += vault_event("globex", i);
    const HttpResult posted =
        http_request(static_cast<uint16_t>(std::stoi(match[1])), "POST", "/v1/events", body);
    ASSERT_EQ(posted.status, 200) << posted.body;
    daemon.send_signal(SIGTERM);
    ASSERT_EQ(daemon.wait_exit(10s), 0) << daemon.stderr_text();
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  RunResult export_range(const std::string& out, const std::string& from, const std::string& to,
                         const std::string& audit = "audit") const {
    return run_process({kPanguard, "evidence", "export", "--tenant", "acme", "--from", from, "--to",
                        to, "--recipient", path("acme-keys/tenant.box.pub"), "--out", path(out),
                        "--audit-dir", path(audit), "--node-key", path("keys/node.key")});
  }

  RunResult verify(const std::string& file, const std::string& keys = "acme-keys",
                   std::vector<std::string> extra = {"--node-pubkey"}) const {
    std::vector<std::string> argv = {kPanguard,  "evidence",     "verify",
                                     path(file), "--secret-key", path(keys + "/tenant.box.key")};
    if (!extra.empty() && extra[0] == "--node-pubkey") {
      extra.erase(extra.begin());
      argv.push_back("--node-pubkey");
      argv.push_back(path("keys/node.pub"));
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
  }

  ScratchDir dir_;
};

TEST_F(EvidenceCliTest, ExportVerifiesAndEveryTamperIsRefused) {
  // Seconds 5..14 inclusive: RFC 3339 at one end, unix seconds at the other.
  const RunResult exported = export_range("acme.pgev", "2026-11-29T10:00:05Z", "1795946414");
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  EXPECT_NE(exported.out.find("10 record(s)"), std::string::npos) << exported.out;
  struct stat st {};
  ASSERT_EQ(::stat(path("acme.pgev").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string file = read_file(path("acme.pgev"));
  EXPECT_EQ(file.find("acme"), std::string::npos) << "the records must be sealed";

  RunResult ok = verify("acme.pgev", "acme-keys", {"--node-pubkey", "--tenant", "acme"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("evidence verify: OK: 10 record(s)"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("(--node-pubkey)"), std::string::npos) << ok.out;
  EXPECT_EQ(ok.err.find("WARNING"), std::string::npos) << ok.err;

  // --print: the records themselves, audit lines of acme at 10:00:05..14, on stdout.
  const RunResult printed = verify("acme.pgev", "acme-keys", {"--node-pubkey", "--print"});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  std::istringstream lines(printed.out);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(record["alert"]["tenant_id"], "acme");
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2026-11-29T10:00:%02d.000000000Z", 5 + count);
    EXPECT_EQ(record["alert"]["time"], stamp);
  }
  EXPECT_EQ(count, 10);
  EXPECT_NE(printed.err.find("evidence verify: OK"), std::string::npos) << printed.err;

  // Without the node's key: still OK, with a loud warning.
  const RunResult embedded = verify("acme.pgev", "acme-keys", {});
  EXPECT_EQ(embedded.exit_code, 0) << embedded.err;
  EXPECT_NE(embedded.err.find("WARNING"), std::string::npos) << embedded.err;

  // Another tenant's key cannot open it.
  const RunResult wrong = verify("acme.pgev", "globex-keys");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("wrong-recipient"), std::string::npos) << wrong.out;

  // A flipped byte in the sealed part, and a file cut short.
  std::string bent = file;
  bent[file.size() / 2] ^= 0x20;
  dir_.write("bent.pgev", bent);
  const RunResult flipped = verify("bent.pgev");
  EXPECT_EQ(flipped.exit_code, 1);
  EXPECT_NE(flipped.out.find("cannot-open"), std::string::npos) << flipped.out;
  dir_.write("short.pgev", file.substr(0, file.size() - 1));
  EXPECT_EQ(verify("short.pgev").exit_code, 1);
  EXPECT_EQ(verify("missing.pgev").exit_code, 3);

  // An existing file is never replaced.
  const RunResult again = export_range("acme.pgev", "2026-11-29T10:00:05Z", "1795946414");
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_EQ(read_file(path("acme.pgev")), file);
}

TEST_F(EvidenceCliTest, RefusesBadBoundsEmptyRangesAndBrokenStreams) {
  EXPECT_EQ(export_range("a.pgev", "yesterday", "1795946414").exit_code, 2);
  // Long before every record, the ones stamped with the wall clock included.
  const RunResult empty = export_range("b.pgev", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("no records"), std::string::npos) << empty.err;
  EXPECT_FALSE(fs::exists(path("b.pgev")));

  // Edit one byte of acme's first audit file in a copy: export refuses the broken chain.
  fs::create_directories(path("tampered"));
  fs::copy(path("audit/acme"), path("tampered/acme"));
  fs::path first;
  for (const auto& entry : fs::directory_iterator(path("tampered/acme"))) {
    if (first.empty() || entry.path() < first) first = entry.path();
  }
  std::string bytes = read_file(first);
  const std::size_t at = bytes.find("foreign path");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'F';
  std::ofstream(first, std::ios::binary | std::ios::trunc) << bytes;
  const RunResult broken =
      export_range("c.pgev", "2026-11-29T10:00:00Z", "2026-11-29T10:01:00Z", "tampered");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("does not verify"), std::string::npos) << broken.err;
  EXPECT_FALSE(fs::exists(path("c.pgev")));
}

}  // namespace
}  // namespace panguard::integration
