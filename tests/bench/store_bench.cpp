// Counter store figures for tests/bench/store_bench.sh (docs/benchmarks.md):
//   store_bench pipelined PORT [DEPTH] [SECONDS]  RedisStore::check_rate decisions/s with DEPTH
//                                                 calls outstanding, refilled from completions
//   store_bench latency PORT [COUNT]              one call at a time: p50/p99/avg in µs
//   store_bench gcra-script                       prints the GCRA Lua script (for redis-benchmark)
//   store_bench memory [SECONDS]                  MemoryStore on one core: decide_rate and the
//                                                 async check_rate, decisions/s
// Prints "name value" lines that the script turns into its table.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/store/memory_store.h"
#include "agent/store/redis/redis_client.h"
#include "agent/store/redis/redis_store.h"
#include "agent/store/redis/store_scripts.h"
#include "agent/store/store_key.h"

namespace {

using namespace panguard::agent;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSecond = 1'000'000'000;
constexpr std::size_t kKeys = 1024;  // spread over tenants; redis-benchmark's INCR hits one key

// High enough that every call runs the whole script (and writes), as a real admit would.
const panguard::rules::RateLimit kLimit{{}, 1'000'000, static_cast<uint64_t>(kSecond), 1'000'000};

std::vector<std::string> bench_keys() {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < kKeys; ++i) {
    const std::string tenant = "tenant-" + std::to_string(i);
    keys.push_back(make_store_key(StoreKeyKind::kRate, &tenant, "vault-login", {"login"}));
  }
  return keys;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct RedisSetup {
  explicit RedisSetup(uint16_t port) : client(options(port)) {
    client.start();
    RedisStoreOptions store_options;
    store_options.failure_mode = panguard::rules::StoreFailureMode::kClosed;
    store_options.batch_across_slots = true;  // one server, as `store.redis.mode: single`
    store = std::make_unique<RedisStore>(client, store_options);
  }
  static redis::ClientOptions options(uint16_t port) {
    redis::ClientOptions opts;
    opts.seeds = {{"127.0.0.1", port}};
    opts.command_timeout = std::chrono::milliseconds(2000);
    return opts;
  }
  redis::RedisClient client;
  std::unique_ptr<RedisStore> store;
};

// DEPTH calls in flight; each completion sends the next one until the time is up.
int pipelined(uint16_t port, std::size_t depth, double seconds) {
  RedisSetup setup(port);
  const auto keys = bench_keys();
  std::atomic<uint64_t> completed{0}, from_store{0}, next_key{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable drained;
  std::atomic<std::size_t> in_flight{0};

  std::function<void()> send = [&] {
    in_flight.fetch_add(1);
    setup.store->check_rate(keys[next_key.fetch_add(1) % kKeys], kLimit,
                            panguard::rules::StoreFailureMode::kClosed, wall_ns(),
                            [&](RateDecision decision) {
                              completed.fetch_add(1, std::memory_order_relaxed);
                              if (decision.source == DecisionSource::kStore) {
                                from_store.fetch_add(1, std::memory_order_relaxed);
                              }
                              if (!stop.load(std::memory_order_relaxed)) send();
                              if (in_flight.fetch_sub(1) == 1) {
                                std::lock_guard lock(mutex);
                                drained.notify_all();
                              }
                            });
  };
  // Warm-up: connection and SCRIPT LOAD.
  for (std::size_t i = 0; i < depth; ++i) send();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const uint64_t warm = completed.load();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const uint64_t measured = completed.load() - warm;
  const double elapsed = seconds_since(start);
  stop = true;
  {
    std::unique_lock lock(mutex);
    drained.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight.load() == 0; });
  }
  std::printf("pipelined_depth %zu\n", depth);
  std::printf("pipelined_decisions_per_s %.0f\n", static_cast<double>(measured) / elapsed);
  std::printf("pipelined_failure_mode_answers %llu\n",
              static_cast<unsigned long long>(completed.load() - from_store.load()));
  return completed.load() == from_store.load() ? 0 : 1;
}

// Latency samples of one kind of call, one at a time.
struct Samples {
  std::vector<double> micros;
  uint64_t failures = 0;

  void print(const char* name) {
    std::sort(micros.begin(), micros.end());
    double sum = 0;
    for (const double m : micros) sum += m;
    std::printf("%s_samples %zu\n", name, micros.size());
    std::printf("%s_p50_us %.1f\n", name, micros[micros.size() / 2]);
    std::printf("%s_p99_us %.1f\n", name, micros[micros.size() * 99 / 100]);
    std::printf("%s_avg_us %.1f\n", name, sum / static_cast<double>(micros.size()));
    std::printf("%s_failures %llu\n", name, static_cast<unsigned long long>(failures));
  }
};

// Runs `call(done)` and waits for done(ok); records the time unless warming up.
template <class Call>
void timed(Samples& samples, bool record, Call call) {
  std::mutex mutex;
  std::condition_variable answered;
  bool done = false, ok = false;
  const auto start = Clock::now();
  call([&](bool result) {
    std::lock_guard lock(mutex);
    ok = result;
    done = true;
    answered.notify_one();
  });
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return done; });
  if (!record) return;
  samples.micros.push_back(seconds_since(start) * 1e6);
  if (!ok) ++samples.failures;
}

// check_rate one at a time, interleaved with PING through the same client (the transport
// alone), so both see the same machine: the difference is the script's and the store's cost.
int latency(uint16_t port, std::size_t count) {
  RedisSetup setup(port);
  const auto keys = bench_keys();
  Samples rate, ping;
  for (std::size_t i = 0; i < count + 1000; ++i) {  // the first 1000 of each warm up
    const bool record = i >= 1000;
    timed(rate, record, [&](auto done) {
      setup.store->check_rate(
          keys[i % kKeys], kLimit, panguard::rules::StoreFailureMode::kClosed, wall_ns(),
          [done](RateDecision decision) { done(decision.source == DecisionSource::kStore); });
    });
    timed(ping, record, [&](auto done) {
      setup.client.execute({"PING"}, std::string(), [done](redis::Result result) {
        done(std::holds_alternative<redis::Reply>(result));
      });
    });
  }
  rate.print("latency");
  ping.print("ping");
  return rate.failures + ping.failures == 0 ? 0 : 1;
}

int memory(double seconds) {
  MemoryStore store;
  const auto keys = bench_keys();
  // decide_rate on one thread; now advances 1 µs per call as a steady event stream would.
  uint64_t allowed = 0, calls = 0;
  int64_t now = wall_ns();
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    for (int i = 0; i < 4096; ++i, ++calls) {
      now += 1000;
      allowed += store.decide_rate(keys[calls % kKeys], kLimit, now).allowed;
    }
  }
  double elapsed = seconds_since(start);
  std::printf("memory_decide_rate_per_s %.0f\n", static_cast<double>(calls) / elapsed);

  // Through the Store interface: std::string key copy + std::function completion.
  uint64_t async_calls = 0;
  start = Clock::now();
  while (seconds_since(start) < seconds) {
    for (int i = 0; i < 4096; ++i, ++async_calls) {
      now += 1000;
      store.check_rate(keys[async_calls % kKeys], kLimit,
                       panguard::rules::StoreFailureMode::kClosed, now,
                       [&allowed](RateDecision d) { allowed += d.allowed; });
    }
  }
  elapsed = seconds_since(start);
  std::printf("memory_check_rate_per_s %.0f\n", static_cast<double>(async_calls) / elapsed);
  std::printf("memory_allowed %llu\n", static_cast<unsigned long long>(allowed));
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: store_bench pipelined PORT [DEPTH] [SECONDS] | latency PORT [COUNT] | "
               "memory [SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // as the daemon does: a reset connection must not kill us
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "memory") return memory(argc > 2 ? std::atof(argv[2]) : 2.0);
  if (mode == "gcra-script") {  // for redis-benchmark EVALSHA: the script's own ceiling
    std::fputs(redis::gcra_script().source().c_str(), stdout);
    return 0;
  }
  if (argc < 3) return usage();
  const auto port = static_cast<uint16_t>(std::atoi(argv[2]));
  if (mode == "pipelined") {
    return pipelined(port, argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 32,
                     argc > 4 ? std::atof(argv[4]) : 3.0);
  }
  if (mode == "latency")
    return latency(port, argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 20000);
  return usage();
}
