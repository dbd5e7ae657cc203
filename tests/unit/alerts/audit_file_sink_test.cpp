// AuditFileSink end to end on a scratch directory: per-tenant streams, rotation that keeps the
// chain, resume after restart, refusal of a tail that does not verify, signed checkpoints.
#include "alerts/audit/audit_file_sink.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_verifier.h"

namespace panguard::alerts {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("panguard-audit-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ChainReport verify_stream(const fs::path& dir, const NodeKey* key = nullptr) {
  std::error_code ec;
  ChainVerifier verifier({dir.filename().string(), true, key});
  for (const AuditFile& file : list_audit_files(dir, ec)) {
    verifier.add_file(file.path.filename().string(), read(file.path), file.first_seq);
  }
  return verifier.finish();
}

Alert tenant_alert(std::optional<std::string> tenant, int n) {
  Alert alert;
  alert.id = "id-" + std::to_string(n);
  alert.rule = "Cross-tenant read";
  alert.tenant_id = std::move(tenant);
  alert.output = "n=" + std::to_string(n);
  return alert;
}

struct Fixture {
  ScratchDir dir;
  AuditFileOptions options;
  std::vector<PlatformAlertSpec> reports;
  std::mutex reports_mutex;
  std::atomic<int64_t> now{1'000'000'000};  // read by the writer thread

  Fixture() {
    options.dir = dir.path().string();
    options.fsync = FsyncPolicy::kNever;
  }
  std::unique_ptr<AuditFileSink> sink(std::optional<NodeKey> key = std::nullopt) {
    return std::make_unique<AuditFileSink>(
        options, std::move(key),
        [this](const PlatformAlertSpec& spec) {
          std::lock_guard lock(reports_mutex);
          reports.push_back(spec);
        },
        [this] { return now.load(); });
  }
};

TEST(AuditFileSinkTest, ManyThreadsManyTenantsEachStreamVerifiesAndHoldsOnlyItsTenant) {
  Fixture f;
  f.options.rotate_bytes = 4096;  // many files per stream
  auto sink = f.sink();
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const int tenant = (t + i) % 5;
        ASSERT_TRUE(sink->write(tenant_alert(
            tenant == 4 ? std::nullopt
                        : std::optional<std::string>("tenant." + std::to_string(tenant)),
            t * 1000 + i)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  sink->flush();
  EXPECT_EQ(sink->stats().appended, 1800u);

  std::size_t total = 0;
  for (const auto& entry : fs::directory_iterator(f.dir.path())) {
    const ChainReport report = verify_stream(entry.path());
    EXPECT_FALSE(report.problem) << report.problem->to_string();
    EXPECT_GT(report.files, 2u);
    total += report.records;
    // Every record in a tenant's files is that tenant's.
    const std::string stream = entry.path().filename().string();
    const std::string want =
        stream == kPlatformStream
            ? "\"tenant_id\":null"
            : "\"tenant_id\":\"" + std::string(stream).replace(stream.find("%2E"), 3, ".") + "\"";
    std::error_code ec;
    for (const AuditFile& file : list_audit_files(entry.path(), ec)) {
      std::istringstream lines(read(file.path));
      for (std::string line; std::getline(lines, line);) {
        EXPECT_NE(line.find(want), std::string::npos) << stream << ": " << line;
      }
    }
  }
  EXPECT_EQ(total, 1800u);
  EXPECT_TRUE(f.reports.empty());
}

TEST(AuditFileSinkTest, ResumesTheChainAfterRestart) {
  Fixture f;
  f.options.rotate_bytes = 2048;
  for (int run = 0; run < 3; ++run) {
    auto sink = f.sink();
    sink->open_existing();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(sink->write(tenant_alert("acme", run * 100 + i)));
  }  // destructor flushes
  const ChainReport report = verify_stream(f.dir.path() / "acme");
  EXPECT_FALSE(report.problem) << report.problem->to_string();
  EXPECT_EQ(report.records, 60u);
  EXPECT_EQ(report.last_seq, 60u);
  EXPECT_TRUE(f.reports.empty());
}

TEST(AuditFileSinkTest, RefusesAStreamWhoseTailDoesNotVerify) {
  Fixture f;
  {
    auto sink = f.sink();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(sink->write(tenant_alert("acme", i)));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(sink->write(tenant_alert("globex", i)));
  }
  const fs::path file = f.dir.path() / "acme" / audit_file_name(1);
  std::string bytes = read(file);
  bytes[bytes.find("n=3")] = 'N';
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;

  auto sink = f.sink();
  sink->open_existing();
  {
    std::lock_guard lock(f.reports_mutex);
    ASSERT_EQ(f.reports.size(), 1u);
    EXPECT_EQ(f.reports[0].component, "audit");
    EXPECT_NE(f.reports[0].reason.find("audit stream 'acme'"), std::string::npos);
    EXPECT_NE(f.reports[0].reason.find("modified"), std::string::npos) << f.reports[0].reason;
  }
  ASSERT_TRUE(sink->write(tenant_alert("acme", 9)));  // queued, then refused by the writer
  ASSERT_TRUE(sink->write(tenant_alert("globex", 9)));
  sink->flush();
  EXPECT_EQ(sink->stats().failed, 1u);
  EXPECT_EQ(sink->stats().appended, 1u);
  EXPECT_EQ(read(file), bytes);  // never written past the damage
  EXPECT_EQ(verify_stream(f.dir.path() / "globex").records, 6u);
}

TEST(AuditFileSinkTest, SignedCheckpointsAtIntervalAndFlush) {
  Fixture f;
  f.options.checkpoint_interval_s = 10;
  const NodeKey key = std::get<NodeKey>(generate_node_key());
  {
    auto sink = f.sink(key);
    ASSERT_TRUE(sink->write(tenant_alert("acme", 1)));
    sink->flush();  // the flush signs what is there: checkpoint #1
    ASSERT_TRUE(sink->write(tenant_alert("acme", 2)));
    f.now += 11'000'000'000;
    // The interval is due: the writer signs #2 on its next wake-up (a 1 s tick at most). Wait
    // for it on disk rather than for a fixed time a slow (sanitized, loaded) machine may outlast.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (verify_stream(f.dir.path() / "acme").checkpoints < 2 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(verify_stream(f.dir.path() / "acme").checkpoints, 2u) << "no interval checkpoint";
    ASSERT_TRUE(sink->write(tenant_alert("acme", 3)));
  }  // destructor flush: #3
  const ChainReport report = verify_stream(f.dir.path() / "acme", &key);
  EXPECT_FALSE(report.problem) << report.problem->to_string();
  EXPECT_EQ(report.checkpoints, 3u);
  EXPECT_EQ(report.checkpoints_verified, 3u);
  EXPECT_EQ(report.records_after_last_checkpoint, 0u);
}

TEST(AuditFileSinkTest, QueueFullIsRefusedAndCounted) {
  Fixture f;
  f.options.queue_records = 1;
  auto sink = f.sink();
  int refused = 0;
  for (int i = 0; i < 2000; ++i) refused += sink->write(tenant_alert("acme", i)) ? 0 : 1;
  sink->flush();
  EXPECT_GT(refused, 0);
  EXPECT_EQ(sink->stats().queue_full, static_cast<uint64_t>(refused));
  EXPECT_EQ(sink->stats().appended, 2000u - static_cast<uint64_t>(refused));
}

TEST(NodeKeyTest, WritesPrivateKey0600AndRoundTrips) {
  ScratchDir dir;
  const NodeKey key = std::get<NodeKey>(generate_node_key());
  ASSERT_EQ(write_key_pair(key, dir.path().string()), "");
  EXPECT_EQ(fs::status(dir.path() / "node.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(write_key_pair(key, dir.path().string()), "");  // never overwrites
  const auto loaded = load_private_key_file((dir.path() / "node.key").string());
  ASSERT_TRUE(std::holds_alternative<NodeKey>(loaded));
  const auto pub = load_public_key_file((dir.path() / "node.pub").string());
  ASSERT_TRUE(std::holds_alternative<NodeKey>(pub));
  const std::string sig = std::get<NodeKey>(loaded).sign("message");
  EXPECT_TRUE(std::get<NodeKey>(pub).verify("message", sig));
  EXPECT_FALSE(std::get<NodeKey>(pub).verify("messagf", sig));
  EXPECT_EQ(std::get<NodeKey>(pub).key_id(), key.key_id());
  fs::permissions(dir.path() / "node.key", fs::perms::group_read, fs::perm_options::add);
  EXPECT_TRUE(
      std::holds_alternative<KeyError>(load_private_key_file((dir.path() / "node.key").string())));
}

}  // namespace
}  // namespace panguard::alerts
