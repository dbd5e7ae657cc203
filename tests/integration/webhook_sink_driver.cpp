// Test-only driver for the crash test: runs a WebhookSink in its own process so the test can
// SIGKILL it mid-delivery and start it again on the same spool.
//   webhook_sink_driver URL SPOOL_DIR SECRET COUNT PREFIX
// Writes COUNT alerts with ids PREFIX-000001.. (none when COUNT is 0), prints "spooled N" and
// "replayed N", then delivers until nothing is pending, prints "drained" and exits 0.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "alerts/alert.h"
#include "alerts/webhook/webhook_sink.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: webhook_sink_driver URL SPOOL_DIR SECRET COUNT PREFIX\n");
    return 2;
  }
  using namespace std::chrono_literals;
  panguard::alerts::WebhookOptions options;
  options.url = argv[1];
  options.spool_dir = argv[2];
  options.secrets = {argv[3]};
  options.max_batch = 10;
  options.max_in_flight = 2;
  options.request_timeout = 2s;
  options.backoff_min = 20ms;
  options.backoff_max = 200ms;
  const int count = std::stoi(argv[4]);
  const std::string prefix = argv[5];

  panguard::alerts::WebhookSink sink(options);
  std::printf("replayed %llu\n", static_cast<unsigned long long>(sink.stats().replayed));
  for (int i = 1; i <= count; ++i) {
    panguard::alerts::Alert alert;
    char id[64];
    std::snprintf(id, sizeof id, "%s-%06d", prefix.c_str(), i);
    alert.id = id;
    alert.rule = "Crash test";
    alert.tenant_id = "acme";
    alert.output = "alert " + std::to_string(i);
    alert.time_ns = 1'700'000'000'000'000'000 + i;
    if (!sink.write(alert)) {
      std::printf("write failed %d\n", i);
      return 1;
    }
  }
  std::printf("spooled %d\n", count);
  std::fflush(stdout);
  sink.start();
  while (sink.stats().pending > 0) std::this_thread::sleep_for(10ms);
  sink.stop(1s);
  std::printf("drained delivered=%llu\n", static_cast<unsigned long long>(sink.stats().delivered));
  std::fflush(stdout);
  return 0;
}
