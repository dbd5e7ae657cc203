// webhook_bench: alerts/s end to end from WebhookSink::write() to a local HTTP receiver (the
// integration tests' receiver, which verifies every signature), with the durable spool on
// (segments under a temporary directory, fdatasync per batch formed and every sync_interval).
//   webhook_bench [ALERTS=100000] [MAX_BATCH=500] [MAX_IN_FLIGHT=4]
// Prints the figure against the 20,000 alerts/s target (docs/benchmarks.md); exit 1 if missed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "alerts/alert.h"
#include "alerts/webhook/webhook_sink.h"
#include "webhook_receiver.h"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  namespace fs = std::filesystem;
  const long count = argc > 1 ? std::stol(argv[1]) : 100'000;
  const long batch = argc > 2 ? std::stol(argv[2]) : 500;
  const long in_flight = argc > 3 ? std::stol(argv[3]) : 4;
  constexpr double kTarget = 20'000;
  const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  std::string pattern = (fs::temp_directory_path() / "pg-webhook-bench-XXXXXX").string();
  const std::string dir = ::mkdtemp(pattern.data());
  panguard::integration::WebhookReceiver receiver({secret}, std::nullopt, /*count_only=*/true);

  panguard::alerts::WebhookOptions options;
  options.url = receiver.url();
  options.secrets = {secret};
  options.spool_dir = dir + "/spool";
  options.spool_max_bytes = 2ull << 30;
  options.max_batch = static_cast<std::size_t>(batch);
  options.max_in_flight = static_cast<std::size_t>(in_flight);
  double write_s = 0, total_s = 0;
  uint64_t requests = 0;
  {
    panguard::alerts::WebhookSink sink(options);
    sink.start();
    panguard::alerts::Alert alert;
    alert.rule = "Cross-tenant secret read";
    alert.tenant_id = "tenant-0042";
    alert.output = "pod payments-7d9f in tenant-0042 read secret/data/tenants/tenant-0077/db";
    alert.node = "node-a";
    alert.pack_version = "default@12";
    alert.tags = {"vault", "cross_tenant"};
    alert.output_fields = {{"vault.path", std::string("secret/data/tenants/tenant-0077/db")},
                           {"tenant.id", std::string("tenant-0042")}};
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) {
      alert.id = "bench-" + std::to_string(i);
      alert.time_ns = 1'700'000'000'000'000'000 + i;
      if (!sink.write(alert)) {
        std::fprintf(stderr, "write %ld refused\n", i);
        return 2;
      }
    }
    const auto written = std::chrono::steady_clock::now();
    if (!receiver.wait_for_alerts(static_cast<uint64_t>(count), 120s)) {
      std::fprintf(stderr, "receiver got only %llu alerts\n",
                   static_cast<unsigned long long>(receiver.delivered_alert_count()));
      return 2;
    }
    const auto done = std::chrono::steady_clock::now();
    write_s = std::chrono::duration<double>(written - start).count();
    total_s = std::chrono::duration<double>(done - start).count();
    requests = sink.stats().requests;
    sink.stop(1s);
  }
  fs::remove_all(dir);
  const double rate = static_cast<double>(count) / total_s;
  std::printf("webhook_bench: %ld alerts, max_batch %ld, max_in_flight %ld, spool on\n", count,
              batch, in_flight);
  std::printf("  write() into the spool : %10.0f alerts/s\n", static_cast<double>(count) / write_s);
  std::printf("  end to end (received)  : %10.0f alerts/s  (%llu requests, %.2f s)\n", rate,
              static_cast<unsigned long long>(requests), total_s);
  std::printf("  target                 : %10.0f alerts/s  -> %s (%.1fx)\n", kTarget,
              rate >= kTarget ? "MET" : "MISSED", rate / kTarget);
  return rate >= kTarget ? 0 : 1;
}
