// Per-tenant audit files through the real binary: keygen, a daemon writing hash-chained files
// with rotation and signed checkpoints, `audit verify` on the untouched set, then one tamper at
// a time (edit, delete, insert, swap, truncate, delete a middle file), each found where it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "daemon_test_support.h"
#include "http_client.h"
#include "integration_env.h"
#include "process.h"

namespace panguard::integration {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  return lines;
}

void write_lines(const fs::path& file, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

std::vector<fs::path> audit_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

uint64_t first_seq(const fs::path& file) {
  return std::stoull(file.filename().string().substr(6, 20));
}

class AuditFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const RunResult keygen =
        run_process({kPanguard, "keygen", "--out", (dir_.path() / "keys").string()});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    ASSERT_NE(keygen.out.find("node.pub"), std::string::npos);
    // A second keygen never replaces the key.
    EXPECT_EQ(
        run_process({kPanguard, "keygen", "--out", (dir_.path() / "keys").string()}).exit_code, 3);
    dir_.write("rules.yaml", read_file(kData / "pack-v1.yaml"));
    config_ =
        dir_.write("panguard.yaml",
                   "node_name: it-node\n"
                   "rules:\n  paths: [rules.yaml]\n"
                   "admin:\n  listen: 127.0.0.1:0\n  allow_event_ingest: true\n"
                   "alerts:\n  routes:\n"
                   "    - name: audit\n      scope: all_tenants\n      include_platform: true\n"
                   "      sink:\n        type: audit_file\n        dir: audit\n"
                   "        rotate_bytes: 4096\n        fsync: interval\n"
                   "        node_key_file: keys/node.key\n        checkpoint_interval_s: 1\n"
                   "    - name: acme-stdout\n      scope: tenant\n      tenant: acme\n"
                   "      sink: {type: stdout}\n");
  }

  std::unique_ptr<ChildProcess> start() {
    auto daemon = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", config_});
    EXPECT_TRUE(daemon->wait_for_stderr(" ready\n", 20s)) << daemon->stderr_text();
    std::smatch match;
    const std::string err = daemon->stderr_text();
    EXPECT_TRUE(
        std::regex_search(err, match, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)")));
    port_ = match.empty() ? 0 : static_cast<uint16_t>(std::stoi(match[1]));
    return daemon;
  }

  // Runs the daemon once: 30 foreign reads by acme, 10 by globex, then SIGTERM.
  void produce() {
    auto daemon = start();
    std::string body;
    for (int i = 0; i < 30; ++i) body += vault_event("acme", "globex" + std::to_string(i));
    for (int i = 0; i < 10; ++i) body += vault_event("globex", "acme" + std::to_string(i));
    const HttpResult posted = http_request(port_, "POST", "/v1/events", body);
    ASSERT_EQ(posted.status, 200) << posted.body;
    daemon->send_signal(SIGTERM);
    ASSERT_EQ(daemon->wait_exit(10s), 0) << daemon->stderr_text();
    // The tenant route on stdout carried acme's alerts and nothing of globex's.
    const std::string out = daemon->stdout_text();
    EXPECT_NE(out.find("\"tenant_id\":\"acme\""), std::string::npos) << out;
    EXPECT_EQ(out.find("globex\""), std::string::npos) << out;
  }

  RunResult verify(const fs::path& path) {
    return run_process({kPanguard, "audit", "verify", path.string(), "--pubkey",
                        (dir_.path() / "keys" / "node.pub").string()});
  }

  // A copy of acme's stream to tamper with; the directory keeps its name (checkpoints carry it).
  fs::path copy_stream(const std::string& name) {
    const fs::path target = dir_.path() / name / "acme";
    fs::create_directories(target.parent_path());
    fs::copy(dir_.path() / "audit" / "acme", target);
    return target;
  }

  void expect_break(const fs::path& stream, const fs::path& file, std::size_t line, uint64_t seq,
                    const std::string& kind) {
    const RunResult result = verify(stream);
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    const std::string expected = file.string() + ":" + std::to_string(line) + ": seq " +
                                 std::to_string(seq) + ": " + kind + ": ";
    EXPECT_EQ(result.out.rfind(expected, 0), 0u)
        << "expected " << expected << "\ngot " << result.out;
  }

  ScratchDir dir_;
  std::string config_;
  uint16_t port_ = 0;
};

TEST_F(AuditFileTest, UntouchedSetVerifiesAndEveryTamperIsLocated) {
  ASSERT_NO_FATAL_FAILURE(produce());
  const fs::path acme = dir_.path() / "audit" / "acme";
  ASSERT_TRUE(fs::is_directory(dir_.path() / "audit" / "globex"));
  const auto files = audit_files(acme);
  ASSERT_GE(files.size(), 4u) << "rotation should have produced several files";

  RunResult ok = verify(acme);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("audit verify: OK: "), std::string::npos) << ok.out;
  EXPECT_EQ(ok.out.find(" 0 signature(s) verified"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("signature(s) verified"), std::string::npos) << ok.out;
  ok = verify(dir_.path() / "audit" / "globex");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  // Every record in acme's files is acme's.
  for (const auto& file : files) {
    for (const auto& line : lines_of(file)) {
      if (line.find("\"alert\":") == std::string::npos) continue;
      EXPECT_NE(line.find("\"tenant_id\":\"acme\""), std::string::npos) << line;
    }
  }
  // One file on its own verifies too.
  EXPECT_EQ(verify(files[1]).exit_code, 0) << verify(files[1]).out;

  {  // edit one byte
    const fs::path s = copy_stream("edit");
    const fs::path f = s / files[1].filename();
    auto lines = lines_of(f);
    lines[1][lines[1].size() / 2] ^= 1;  // inside the record body, well before the hash
    write_lines(f, lines);
    expect_break(s, f, 2, first_seq(f) + 1, "modified");
  }
  {  // delete a line
    const fs::path s = copy_stream("delete");
    const fs::path f = s / files[0].filename();
    auto lines = lines_of(f);
    lines.erase(lines.begin() + 2);
    write_lines(f, lines);
    expect_break(s, f, 3, 4, "removed");
  }
  {  // insert a line (a copy of an earlier record)
    const fs::path s = copy_stream("insert");
    const fs::path f = s / files[0].filename();
    auto lines = lines_of(f);
    lines.insert(lines.begin() + 2, lines[0]);
    write_lines(f, lines);
    expect_break(s, f, 3, 1, "inserted");
  }
  {  // swap two lines
    const fs::path s = copy_stream("swap");
    const fs::path f = s / files[0].filename();
    auto lines = lines_of(f);
    std::swap(lines[1], lines[2]);
    write_lines(f, lines);
    expect_break(s, f, 2, 3, "reordered");
  }
  {  // truncate mid-line
    const fs::path s = copy_stream("truncate");
    const fs::path f = s / files.back().filename();
    const auto lines = lines_of(f);
    fs::resize_file(f, fs::file_size(f) - 20);
    const RunResult result = verify(s);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out.rfind(f.string() + ":" + std::to_string(lines.size()) + ": ", 0), 0u)
        << result.out;
    EXPECT_NE(result.out.find(": truncated: "), std::string::npos) << result.out;
  }
  {  // delete a whole middle file
    const fs::path s = copy_stream("middle");
    fs::remove(s / files[1].filename());
    const fs::path next = s / files[2].filename();
    expect_break(s, next, 1, first_seq(next), "removed");
  }
}

TEST_F(AuditFileTest, RestartResumesAndADamagedTailIsRefusedWithAPlatformAlert) {
  ASSERT_NO_FATAL_FAILURE(produce());
  ASSERT_NO_FATAL_FAILURE(produce());  // a second run continues the same chains
  const fs::path acme = dir_.path() / "audit" / "acme";
  EXPECT_EQ(verify(acme).exit_code, 0) << verify(acme).out;

  const fs::path last = audit_files(acme).back();
  auto lines = lines_of(last);
  lines.back()[lines.back().size() / 2] ^= 1;
  write_lines(last, lines);
  auto daemon = start();
  EXPECT_TRUE(daemon->wait_for_stderr("audit stream 'acme' will not be appended to", 10s))
      << daemon->stderr_text();
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->stderr_text();
  std::string tampered;
  for (const auto& line : lines) tampered += line;
  EXPECT_EQ(read_file(last), tampered);  // nothing written after the damage
  // The refusal itself is on record, in the platform stream.
  std::string platform;
  for (const auto& f : audit_files(dir_.path() / "audit" / "@platform")) platform += read_file(f);
  EXPECT_NE(platform.find("Audit stream refused"), std::string::npos) << platform;
  EXPECT_EQ(verify(dir_.path() / "audit" / "@platform").exit_code, 0);
}

TEST(AuditCliTest, UsageAndUnreadablePaths) {
  EXPECT_EQ(run_process({kPanguard, "audit"}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "audit", "verify"}).exit_code, 2);
  EXPECT_EQ(run_process({kPanguard, "audit", "verify", "/nonexistent/acme"}).exit_code, 3);
  EXPECT_EQ(run_process({kPanguard, "keygen"}).exit_code, 2);
}

}  // namespace
}  // namespace panguard::integration
