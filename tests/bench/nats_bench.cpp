// nats_bench: alerts/s through NatsSink (write() → JetStream ack) against a raw nats.c JetStream
// async publish loop with acks, same process, same nats-server -js (file storage), same message
// size. Target: the sink reaches >= 50% of the raw loop (docs/benchmarks.md).
//   nats_bench [--count N] [--rounds R]
#include <nats/nats.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_id.h"
#include "alerts/alert_json.h"
#include "alerts/nats/nats_sink.h"
#include "delivery/nats_test_server.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using panguard::alerts::Alert;

Alert bench_alert(int i) {
  Alert alert;
  alert.id = panguard::alerts::new_alert_id();
  alert.time_ns = 1'714'564'800'000'000'000 + i;
  alert.rule = "Cross-tenant secret read";
  alert.priority = panguard::rules::Priority::kCritical;
  alert.tenant_id = "tenant-" + std::to_string(i % 16);
  alert.source = panguard::rules::Source::kVault;
  alert.output = "tenant-3 read secret/data/tenant-9/db via role tenant-3-app (pod web-7f9c)";
  alert.output_fields = {{"vault.path", std::string("secret/data/tenant-9/db")},
                         {"tenant.id", std::string("tenant-3")}};
  alert.node = "node-1";
  alert.pack_version = "12";
  return alert;
}

struct RawCounter {
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> failed{0};
};

void raw_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr*, void* closure) {
  auto* counter = static_cast<RawCounter*>(closure);
  if (pa != nullptr) {
    ++counter->acked;
  } else {
    ++counter->failed;
  }
  natsMsg_Destroy(msg);
}

// The baseline: the same subjects, bodies and Nats-Msg-Id headers, published straight from this
// thread with js_PublishMsgAsync and an ack handler, then js_PublishAsyncComplete.
double raw_loop(const std::string& url, const std::vector<Alert>& alerts, int round) {
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  RawCounter counter;
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK) std::exit(2);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 4096;
  jo.PublishAsync.AckHandler = raw_ack;
  jo.PublishAsync.AckHandlerClosure = &counter;
  natsConnection_JetStream(&js, conn, &jo);
  const std::string stream = "RAW_BENCH_" + std::to_string(round);
  const std::string prefix = "rawbench" + std::to_string(round) + ".";
  const std::string filter = prefix + ">";
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.c_str();
  const char* subjects[] = {filter.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  jsStreamInfo* info = nullptr;
  if (js_AddStream(&info, js, &config, nullptr, nullptr) != NATS_OK) std::exit(3);
  jsStreamInfo_Destroy(info);

  std::vector<std::string> bodies, subjects_of;
  for (const auto& alert : alerts) {
    bodies.push_back(alert_to_json(alert, panguard::alerts::AlertFormat::kPanguard));
    subjects_of.push_back(prefix + "alerts." + *alert.tenant_id + ".critical");
  }
  const auto start = Clock::now();
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    natsMsg* msg = nullptr;
    natsMsg_Create(&msg, subjects_of[i].c_str(), nullptr, bodies[i].data(),
                   static_cast<int>(bodies[i].size()));
    natsMsgHeader_Set(msg, "Nats-Msg-Id", alerts[i].id.c_str());
    if (js_PublishMsgAsync(js, &msg, nullptr) != NATS_OK) {
      natsMsg_Destroy(msg);
      ++counter.failed;
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60'000;
  js_PublishAsyncComplete(js, &po);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (counter.acked != alerts.size()) {
    std::fprintf(stderr, "raw: %llu acked, %llu failed\n",
                 static_cast<unsigned long long>(counter.acked.load()),
                 static_cast<unsigned long long>(counter.failed.load()));
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  return static_cast<double>(counter.acked.load()) / seconds;
}

double sink_run(const std::string& url, const std::vector<Alert>& alerts) {
  panguard::alerts::NatsOptions options;
  options.servers = {url};
  options.queue_size = alerts.size();
  options.max_in_flight = 4096;
  panguard::alerts::NatsSink sink(options);
  sink.start();
  // Wait until the stream exists so both runs time publishing only.
  sink.write(bench_alert(-1));
  while (sink.stats().acked < 1) std::this_thread::sleep_for(1ms);
  const auto start = Clock::now();
  for (const auto& alert : alerts) sink.write(alert);
  sink.stop(120s);  // returns once every alert is acknowledged
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto stats = sink.stats();
  if (stats.acked != alerts.size() + 1) {
    std::fprintf(stderr, "sink: %llu acked, %llu dropped, %llu abandoned\n",
                 static_cast<unsigned long long>(stats.acked),
                 static_cast<unsigned long long>(stats.dropped_queue_full),
                 static_cast<unsigned long long>(stats.abandoned));
  }
  return static_cast<double>(stats.acked - 1) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 100'000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "pg-natsbench-XXXXXX").string();
  const std::string store = ::mkdtemp(pattern.data());
  double best_raw = 0, best_sink = 0;
  {
    panguard::integration::NatsTestServer server(store);
    server.start();
    for (int round = 0; round < rounds; ++round) {
      std::vector<Alert> alerts;
      alerts.reserve(static_cast<std::size_t>(count));
      for (int i = 0; i < count; ++i) alerts.push_back(bench_alert(i));
      const double raw = raw_loop(server.url(), alerts, round);
      std::vector<Alert> sink_alerts;
      sink_alerts.reserve(static_cast<std::size_t>(count));
      for (int i = 0; i < count; ++i) sink_alerts.push_back(bench_alert(i));
      const double sink = sink_run(server.url(), sink_alerts);
      std::printf("round %d: raw nats.c JetStream loop %10.0f msg/s | NatsSink %10.0f alerts/s\n",
                  round + 1, raw, sink);
      best_raw = std::max(best_raw, raw);
      best_sink = std::max(best_sink, sink);
    }
    server.kill();
  }
  std::filesystem::remove_all(store);
  std::printf("\n%-34s %12s\n", "path (best of rounds)", "per second");
  std::printf("%-34s %12.0f\n", "raw nats.c js_PublishMsgAsync+ack", best_raw);
  std::printf("%-34s %12.0f\n", "NatsSink write() -> ack", best_sink);
  std::printf("sink / raw = %.0f%% (target >= 50%%), %d alerts per run, file storage\n",
              100.0 * best_sink / best_raw, count);
  return best_sink >= 0.5 * best_raw ? 0 : 1;
}
