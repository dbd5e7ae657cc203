// sensor_bench: what the eBPF sensor costs the workloads it watches, and how many events it
// delivers (docs/benchmarks.md, "eBPF sensor"). tests/bench/sensor_bench.sh runs it three ways —
// no probes, Panguard's sensor loaded in this process (--sensor), and bpftrace attached to the
// same tracepoints — and prints the figures side by side.
//
// Workloads, each timed as ns per iteration (median of --reps runs of --seconds each):
//   watched  socket + TCP connect to a watched port + a 64-byte NATS PUB + close (RST, so no
//            TIME_WAIT piles up); a thread in this process accepts and closes.
//   mixed    syscalls the sensor's tracepoints see and filter out: socket + UDP connect and send
//            to an unwatched port, a write to /dev/null, a read from /dev/zero, close.
//   flood    one TCP connection to a watched port, drained by a reader thread; sendmmsg()
//            batches of 64 small messages, each one a send record. The producer is cheap per
//            record, so the sensor's delivery is what is measured: --rate paces the messages
//            (records/s asked), and the run reports records/s delivered and ring drops.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/sources/bpf/bpf_sensor.h"

namespace {

using Clock = std::chrono::steady_clock;
using panguard::agent::sensor::BpfSensor;
using panguard::agent::sensor::BpfSensorOptions;

constexpr char kPayload[] = "PUB tenants.acme.orders 32\r\n0123456789abcdef0123456789abcdef\r\n";

struct Options {
  std::string workload = "mixed";
  double seconds = 2.0;
  int reps = 5;
  bool sensor = false;
  uint16_t watched_port = 8200;
  uint16_t unwatched_port = 9999;
  uint32_t ring_bytes = 16u << 20;
  double rate = 0;  // flood: messages/s asked; 0: as fast as one thread can
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Accepts and closes connections until stopped; the listener is non-blocking so stop() works.
class Acceptor {
 public:
  explicit Acceptor(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    const sockaddr_in address = loopback(port);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
      die("bind watched port");
    if (::listen(fd_, 4096) != 0) die("listen");
    thread_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client >= 0) {
          ::close(client);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  ~Acceptor() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void watched_iteration(const sockaddr_in& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof(target)) != 0)
    die("connect watched");
  if (::send(fd, kPayload, sizeof(kPayload) - 1, MSG_NOSIGNAL) < 0) die("send watched");
  ::close(fd);
}

struct MixedFiles {
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  int zero_fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
};

void mixed_iteration(const sockaddr_in& target, const MixedFiles& files) {
  char buffer[64];
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof(target)) != 0)
    die("connect unwatched");
  (void)::send(fd, kPayload, sizeof(kPayload) - 1, MSG_NOSIGNAL);
  constexpr auto kPayloadBytes = static_cast<ssize_t>(sizeof(kPayload) - 1);
  if (::write(files.null_fd, kPayload, kPayloadBytes) != kPayloadBytes) die("write /dev/null");
  if (::read(files.zero_fd, buffer, sizeof(buffer)) != sizeof(buffer)) die("read /dev/zero");
  ::close(fd);
}

// Runs `iteration` for `seconds`, checking the clock every 256 iterations.
template <typename Iteration>
std::pair<double, uint64_t> timed(double seconds, Iteration&& iteration) {
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  uint64_t iterations = 0;
  auto now = start;
  while (now < end) {
    for (int i = 0; i < 256; ++i) iteration();
    iterations += 256;
    now = Clock::now();
  }
  const double ns = std::chrono::duration<double, std::nano>(now - start).count();
  return {ns / static_cast<double>(iterations), iterations};
}

// A loopback TCP connection to a watched port, its accepted end drained by a reader thread.
// Each send() is one sendmmsg() of kFloodBatch 64-byte messages, and the send hook sees each
// message on its own (one record each). So the producer is not capped by what one system call
// costs on this VM (about 2 us): what is measured is how many records the sensor delivers.
constexpr unsigned kFloodBatch = 64;

class Flood {
 public:
  explicit Flood(uint16_t port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    const sockaddr_in address = loopback(port);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
      die("bind flood listener");
    if (::listen(listener_, 1) != 0) die("listen");
    client_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(client_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
      die("connect flood");
    // Corked: full segments instead of one loopback packet (and one reader wakeup) per
    // 64-byte message, so the producer's cost stays in the send path the sensor hooks.
    ::setsockopt(client_, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
    peer_ = ::accept(listener_, nullptr, nullptr);
    if (peer_ < 0) die("accept flood");
    reader_ = std::thread([this] {
      std::vector<char> sink(1 << 20);
      while (::recv(peer_, sink.data(), sink.size(), 0) > 0) {
      }
    });
    for (mmsghdr& message : batch_) {
      message.msg_hdr.msg_iov = &payload_;
      message.msg_hdr.msg_iovlen = 1;
    }
  }
  ~Flood() {
    ::shutdown(client_, SHUT_WR);  // the reader sees the end of the stream and returns
    reader_.join();
    ::close(client_);
    ::close(peer_);
    ::close(listener_);
  }
  // Messages sent by one sendmmsg().
  uint64_t send() {
    const int sent = ::sendmmsg(client_, batch_, kFloodBatch, 0);
    return sent > 0 ? static_cast<uint64_t>(sent) : 0;
  }

 private:
  int listener_ = -1;
  int client_ = -1;
  int peer_ = -1;
  std::thread reader_;
  iovec payload_{const_cast<char*>(kPayload), sizeof(kPayload) - 1};
  mmsghdr batch_[kFloodBatch] = {};
};

// Runs batches for `seconds`, holding `rate` messages/s (0: unpaced); ahead of schedule, it
// spins. Returns ns per message and the messages sent.
template <typename Batch>
std::pair<double, uint64_t> paced(double seconds, double rate, Batch&& batch) {
  const auto start = Clock::now();
  uint64_t messages = 0;
  double elapsed_ns = 0;
  for (;;) {
    elapsed_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    if (elapsed_ns >= seconds * 1e9) break;
    if (rate > 0 && static_cast<double>(messages) >= elapsed_ns * rate / 1e9) continue;
    messages += batch();
  }
  return {elapsed_ns / static_cast<double>(std::max<uint64_t>(messages, 1)), messages};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The sensor in this process, its records drained and counted on a thread of their own (as
// the agent's poll thread does).
class SensorUnderTest {
 public:
  explicit SensorUnderTest(const Options& options) : sensor_(sensor_options(options)) {
    const std::string error = sensor_.start(
        [this](std::span<const std::byte>) { records_.fetch_add(1, std::memory_order_relaxed); });
    if (!error.empty()) {
      std::fprintf(stderr, "sensor_bench: sensor did not start: %s\n", error.c_str());
      std::exit(3);
    }
    thread_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) sensor_.poll(50);
    });
  }
  ~SensorUnderTest() {
    stop_ = true;
    thread_.join();
    sensor_.stop();
  }
  uint64_t records() const { return records_.load(); }
  uint64_t drops() const {
    const auto by_kind = sensor_.drops();
    return std::accumulate(by_kind.begin(), by_kind.end(), uint64_t{0});
  }

 private:
  static BpfSensorOptions sensor_options(const Options& options) {
    BpfSensorOptions bpf;
    bpf.watched_ports = {options.watched_port};
    bpf.payload_bytes = 64;
    bpf.ring_buffer_bytes = options.ring_bytes;
    bpf.own_tgid = 0;  // this process is the workload: its own traffic must be seen
    return bpf;
  }

  BpfSensor sensor_;
  std::atomic<uint64_t> records_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sensor_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--workload") {
      options.workload = value();
    } else if (arg == "--seconds") {
      options.seconds = std::stod(value());
    } else if (arg == "--reps") {
      options.reps = std::stoi(value());
    } else if (arg == "--sensor") {
      options.sensor = true;
    } else if (arg == "--port") {
      options.watched_port = static_cast<uint16_t>(std::stoi(value()));
    } else if (arg == "--rate") {
      options.rate = std::stod(value());
    } else if (arg == "--ring-bytes") {
      options.ring_bytes = static_cast<uint32_t>(std::stoul(value()));
    } else {
      std::fprintf(stderr,
                   "usage: sensor_bench --workload watched|mixed|flood [--seconds S] [--reps N] "
                   "[--sensor] [--port P] [--ring-bytes B] [--rate MESSAGES_PER_S]\n");
      std::exit(2);
    }
  }
  if (options.workload != "watched" && options.workload != "mixed" && options.workload != "flood") {
    std::fprintf(stderr, "sensor_bench: unknown workload %s\n", options.workload.c_str());
    std::exit(2);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::optional<SensorUnderTest> sensor;
  if (options.sensor) sensor.emplace(options);

  std::vector<double> ns_per_iteration;
  uint64_t iterations = 0;
  const auto start = Clock::now();
  if (options.workload == "watched") {
    Acceptor acceptor(options.watched_port);
    const sockaddr_in target = loopback(options.watched_port);
    for (int rep = 0; rep < options.reps; ++rep) {
      auto [ns, n] = timed(options.seconds, [&] { watched_iteration(target); });
      ns_per_iteration.push_back(ns);
      iterations += n;
    }
  } else if (options.workload == "mixed") {
    const MixedFiles files;
    if (files.null_fd < 0 || files.zero_fd < 0) die("open /dev/null or /dev/zero");
    const sockaddr_in target = loopback(options.unwatched_port);
    for (int rep = 0; rep < options.reps; ++rep) {
      auto [ns, n] = timed(options.seconds, [&] { mixed_iteration(target, files); });
      ns_per_iteration.push_back(ns);
      iterations += n;
    }
  } else {
    Flood flood(options.watched_port);
    for (int rep = 0; rep < options.reps; ++rep) {
      auto [ns, n] = paced(options.seconds, options.rate, [&] { return flood.send(); });
      ns_per_iteration.push_back(ns);
      iterations += n;
    }
  }
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();

  std::printf("workload=%s sensor=%s ns_per_iter=%.1f iterations=%llu", options.workload.c_str(),
              options.sensor ? "panguard" : "off", median(ns_per_iteration),
              static_cast<unsigned long long>(iterations));
  if (sensor) {
    // Let the poll thread drain what is still in the ring buffer before counting.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::printf(" events=%llu events_per_s=%.0f drops=%llu",
                static_cast<unsigned long long>(sensor->records()),
                static_cast<double>(sensor->records()) / elapsed_s,
                static_cast<unsigned long long>(sensor->drops()));
  }
  std::printf("\n");
  return 0;
}
