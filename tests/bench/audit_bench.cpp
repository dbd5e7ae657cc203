// audit_bench: alerts/s end to end from AuditFileSink::write() to hash-chained records on disk
// (flush() returned: queue drained, checkpoints signed, files fdatasync'd), for each fsync
// policy, spread over several tenant streams with signed checkpoints on. The chain of every
// stream is verified afterwards, so a fast but broken writer cannot post a figure.
//   audit_bench [ALERTS=200000] [TENANTS=16]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <variant>

#include "alerts/alert.h"
#include "alerts/audit/audit_file_sink.h"
#include "alerts/audit/audit_set.h"
#include "alerts/keys/node_key.h"

namespace {

namespace fs = std::filesystem;
using namespace panguard::alerts;

const char* policy_name(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kInterval:
      return "interval";
    case FsyncPolicy::kNever:
      return "never";
  }
  return "?";
}

Alert bench_alert(long i, long tenants) {
  Alert alert;
  alert.id = "bench-" + std::to_string(i);
  alert.time_ns = 1'700'000'000'000'000'000 + i;
  alert.rule = "Cross-tenant secret read";
  alert.tenant_id = "tenant-" + std::to_string(i % tenants);
  alert.output = "pod payments-7d9f read secret/data/tenants/tenant-0077/db";
  alert.node = "node-a";
  alert.pack_version = "default@12";
  alert.tags = {"vault", "cross_tenant"};
  alert.output_fields = {{"vault.path", std::string("secret/data/tenants/tenant-0077/db")}};
  return alert;
}

// Alerts/s for one policy, or a negative number when a write was refused or a chain broke.
double run(FsyncPolicy policy, long count, long tenants, const std::string& key_file) {
  std::string pattern = (fs::temp_directory_path() / "pg-audit-bench-XXXXXX").string();
  const std::string dir = ::mkdtemp(pattern.data());
  AuditFileOptions options;
  options.dir = dir;
  options.fsync = policy;
  options.checkpoint_interval_s = 1;
  options.node_key_file = key_file;
  options.queue_records = static_cast<std::size_t>(count);
  auto key = std::get<NodeKey>(load_private_key_file(key_file));
  double seconds = 0;
  {
    AuditFileSink sink(
        options, key,
        [](const PlatformAlertSpec& spec) {
          std::fprintf(stderr, "audit_bench: %s\n", spec.reason.c_str());
        },
        [] { return std::chrono::system_clock::now().time_since_epoch().count(); });
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) {
      if (!sink.write(bench_alert(i, tenants))) {
        std::fprintf(stderr, "audit_bench: write %ld refused\n", i);
        return -1;
      }
    }
    sink.flush();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  for (const auto& stream : fs::directory_iterator(dir)) {
    auto report = verify_audit_path(stream.path().string(), &key);
    const auto* chain = std::get_if<ChainReport>(&report);
    if (!chain || chain->problem || chain->records == 0) {
      std::fprintf(stderr, "audit_bench: %s does not verify\n", stream.path().c_str());
      return -1;
    }
  }
  fs::remove_all(dir);
  return static_cast<double>(count) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::stol(argv[1]) : 200'000;
  const long tenants = argc > 2 ? std::stol(argv[2]) : 16;
  std::string pattern = (fs::temp_directory_path() / "pg-audit-bench-key-XXXXXX").string();
  const std::string key_dir = ::mkdtemp(pattern.data());
  if (write_key_pair(std::get<NodeKey>(generate_node_key()), key_dir) != "") return 2;
  const std::string key_file = key_dir + "/node.key";

  std::printf("audit file: %ld alerts over %ld tenant streams, signed checkpoints every 1 s\n",
              count, tenants);
  int status = 0;
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kInterval, FsyncPolicy::kNever}) {
    // fsync always syncs every record: a tenth of the alerts keeps the run short.
    const long n = policy == FsyncPolicy::kAlways ? count / 10 : count;
    const double rate = run(policy, n, tenants, key_file);
    if (rate < 0) status = 1;
    std::printf("  fsync %-8s %10.0f alerts/s (%ld alerts)\n", policy_name(policy), rate, n);
  }
  fs::remove_all(key_dir);
  return status;
}
