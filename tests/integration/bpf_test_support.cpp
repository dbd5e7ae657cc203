#include "bpf_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <variant>

namespace panguard::integration {
namespace {

std::string systemd_uid(std::string uid) {
  for (char& c : uid) {
    if (c == '-') c = '_';
  }
  return uid;
}

// 127.0.0.1:port, [::1]:port, or [::ffff:127.0.0.1]:port with v4_mapped; returns its length.
socklen_t loopback_address(sockaddr_storage& storage, uint16_t port, bool ipv6, bool v4_mapped) {
  if (ipv6 || v4_mapped) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    if (v4_mapped) {
      ::inet_pton(AF_INET6, "::ffff:127.0.0.1", &a->sin6_addr);
    } else {
      a->sin6_addr = in6addr_loopback;
    }
    a->sin6_port = htons(port);
    return sizeof(*a);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&storage);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->sin_port = htons(port);
  return sizeof(*a);
}

bool write_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

}  // namespace

KubepodsCgroup::KubepodsCgroup(std::string unified_root, std::string pod_uid,
                               std::string container_id)
    : root_(std::move(unified_root)) {
  static std::atomic<int> counter{0};
  const std::string base =
      root_ + "/panguard-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const std::string pod = "kubepods-burstable-pod" + systemd_uid(pod_uid) + ".slice";
  const std::vector<std::string> levels = {base, base + "/kubepods.slice",
                                           base + "/kubepods.slice/kubepods-burstable.slice",
                                           base + "/kubepods.slice/kubepods-burstable.slice/" + pod,
                                           base + "/kubepods.slice/kubepods-burstable.slice/" +
                                               pod + "/cri-containerd-" + container_id + ".scope"};
  for (const std::string& dir : levels) {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      error_ = "mkdir " + dir + ": " + std::strerror(errno);
      return;
    }
    created_.push_back(dir);
  }
}

KubepodsCgroup::~KubepodsCgroup() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    // Anything still inside (a child that outlived its test) goes back to the root first.
    std::ifstream procs(*it + "/cgroup.procs");
    std::string pid;
    while (procs >> pid) write_file(root_ + "/cgroup.procs", pid);
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (::rmdir(it->c_str()) == 0 || errno == ENOENT) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // exiting tasks linger
    }
  }
}

uint64_t KubepodsCgroup::scope_id() const {
  struct stat st {};
  if (created_.size() <= kScopeLevel || ::stat(scope_path().c_str(), &st) != 0) return 0;
  return st.st_ino;
}

bool KubepodsCgroup::add_process(pid_t pid) const {
  return ok() && write_file(scope_path() + "/cgroup.procs", std::to_string(pid));
}

std::string KubepodsCgroup::add_cgroup(const std::string& relative) {
  if (!ok()) return "";
  const std::string dir = base_path() + "/" + relative;
  if (::mkdir(dir.c_str(), 0755) != 0) return "";
  created_.push_back(dir);  // after its parent, so removed before it
  return dir;
}

bool move_to_cgroup(const std::string& cgroup_dir, pid_t pid) {
  return write_file(cgroup_dir + "/cgroup.procs", std::to_string(pid));
}

Listener::Listener(bool ipv6) {
  fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_storage storage{};
  socklen_t len = loopback_address(storage, 0, ipv6, false);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 || ::listen(fd, 512) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    ::close(fd);
    fd = -1;
    return;
  }
  port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

Listener::~Listener() {
  if (fd >= 0) ::close(fd);
}

int connect_local(uint16_t port, bool ipv6) {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_storage a{};
  const socklen_t len = loopback_address(a, port, ipv6, false);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_errno(uint16_t port, bool ipv6, bool v4_mapped) {
  const int fd = ::socket(ipv6 || v4_mapped ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return errno;
  sockaddr_storage a{};
  const socklen_t len = loopback_address(a, port, ipv6, v4_mapped);
  const int error = ::connect(fd, reinterpret_cast<sockaddr*>(&a), len) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

GatedChild::GatedChild(std::function<int()> script) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(pipe_fds[1]);
    char go = 0;
    if (::read(pipe_fds[0], &go, 1) != 1) ::_exit(100);
    ::close(pipe_fds[0]);
    ::_exit(script());
  }
  ::close(pipe_fds[0]);
  gate_ = pipe_fds[1];
}

GatedChild::~GatedChild() {
  if (gate_ >= 0) ::close(gate_);
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void GatedChild::release() {
  if (gate_ < 0) return;
  const char go = 1;
  (void)!::write(gate_, &go, 1);
  ::close(gate_);
  gate_ = -1;
}

std::optional<int> GatedChild::wait_exit(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

std::string str(const rules::Event& e, rules::FieldId id) {
  const std::string* s = e.get_string(id);
  return s ? *s : "<absent>";
}

int64_t num(const rules::Event& e, rules::FieldId id) {
  const int64_t* n = e.get_int(id);
  return n ? *n : -999;
}

void BpfSensorFixture::set_up_identity(const std::string& capabilities,
                                       const std::string& mapping_yaml) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "\n!!!!!!!! eBPF SENSOR TESTS SKIPPED: not root (need " << capabilities
                 << " and write access to the cgroup v2 hierarchy) !!!!!!!!";
  }
  const auto unified = agent::identity::detect_unified_mount();
  if (!unified) GTEST_SKIP() << "\n!!!!!!!! eBPF SENSOR TESTS SKIPPED: no cgroup2 mount !!!!!!!!";
  unified_ = *unified;
  auto parsed = agent::identity::StaticPodDirectory::parse(mapping_yaml, "test-mapping");
  using Directory = std::unique_ptr<agent::identity::StaticPodDirectory>;
  ASSERT_TRUE(std::holds_alternative<Directory>(parsed)) << std::get<std::string>(parsed);
  pods_ = std::move(std::get<Directory>(parsed));
  cgroups_ = std::make_unique<agent::identity::CgroupPaths>(unified_, std::chrono::milliseconds(0));
  resolver_ = std::make_unique<agent::identity::WorkloadResolver>(*cgroups_, pods_.get());
  context_.node_name = "test-node";
  context_.monotonic_to_realtime_ns = agent::sensor::monotonic_to_realtime_offset();
  context_.identity = resolver_.get();
}

void BpfSensorFixture::start_sensor(const agent::sensor::BpfSensorOptions& options) {
  sensor_ = std::make_unique<agent::sensor::BpfSensor>(options);
  const std::string error = sensor_->start([this](std::span<const std::byte> record) {
    auto result = agent::sensor::record_to_event(record, context_);
    std::lock_guard lock(mutex_);
    for (rules::Event& nats : agent::sensor::nats_events(record, context_)) {
      events_.push_back(std::move(nats));
    }
    if (auto* event = std::get_if<rules::Event>(&result)) {
      events_.push_back(std::move(*event));
    } else {
      refused_.push_back(std::get<std::string>(result));
    }
  });
  if (!error.empty()) {
    GTEST_SKIP() << "\n!!!!!!!! eBPF SENSOR TESTS SKIPPED: the kernel refused the sensor: " << error
                 << " !!!!!!!!";
  }
}

void BpfSensorFixture::drain() {
  for (int i = 0; i < 5; ++i) sensor_->poll(20);
}

std::vector<rules::Event> BpfSensorFixture::of_pid(pid_t pid, std::string_view type) {
  std::lock_guard lock(mutex_);
  std::vector<rules::Event> out;
  for (const rules::Event& e : events_) {
    if (num(e, rules::FieldId::kProcPid) == pid && str(e, rules::FieldId::kEvtType) == type) {
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace panguard::integration
