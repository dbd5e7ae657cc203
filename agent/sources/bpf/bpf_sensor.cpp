#include "agent/sources/bpf/bpf_sensor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "agent/identity/cgroup_paths.h"
#include "agent/log/log.h"
#include "agent/sources/bpf/peer_table.h"

#if PANGUARD_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "panguard.skel.h"
#include "panguard_events.h"
static_assert(panguard::agent::sensor::kEventKinds == PG_EV_KIND_MAX);
#endif

namespace panguard::agent::sensor {

std::string validate(const BpfSensorOptions& options) {
  if (options.payload_bytes > 256) return "payload_bytes must be at most 256";
  const uint32_t ring = options.ring_buffer_bytes;
  const auto page = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
  if (ring < page || (ring & (ring - 1)) != 0) {
    return "ring_buffer_bytes must be a power of two of at least the page size (" +
           std::to_string(page) + ")";
  }
  if (options.watched_ports.empty()) return "watched_ports must not be empty";
  if (options.watched_ports.size() > 64) return "at most 64 watched_ports";
  for (uint16_t port : options.watched_ports) {
    if (port == 0) return "watched_ports: 0 is not a port";
  }
  if (options.watched_cgroup_ids.size() > 64) return "at most 64 watched_cgroups";
  const BpfEnforceOptions& enforce = options.enforce;
  if (enforce.deny_vault_direct) {
    if (enforce.vault_addresses.empty() || enforce.vault_addresses.size() > 64) {
      return "enforce: 1 to 64 vault_addresses";
    }
    if (enforce.allowed_cgroup_ids.size() > 64) return "enforce: at most 64 allowed_cgroups";
    if (enforce.scope_cgroup_id == 0) return "enforce: no cgroup to enforce under";
  }
  return "";
}

#if PANGUARD_HAVE_BPF

namespace {

std::string errno_text(int error) {
  if (error < 0) error = -error;
  return std::string(std::strerror(error)) + " (errno " + std::to_string(error) + ")";
}

// libbpf's own lines (including the verifier log) go to the debug log.
int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG && !log::enabled(log::Level::kDebug)) return 0;
  char line[1024];
  const int n = std::vsnprintf(line, sizeof(line), format, args);
  std::string_view text(line, n < 0 ? 0 : std::min<std::size_t>(n, sizeof(line) - 1));
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty()) log::debug("libbpf: ", text);
  return 0;
}

std::string load_failure(int error) {
  if (error < 0) error = -error;
  switch (error) {
    case EPERM:
      return "permission denied: loading needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or "
             "CAP_SYS_ADMIN), kernel.unprivileged_bpf_disabled and lockdown may refuse even "
             "those; " +
             errno_text(error);
    case EACCES:
    case EINVAL:
      return "the kernel's verifier refused a program (log.level: debug shows the verifier log); " +
             errno_text(error);
    case ENOENT:
    case ESRCH:
      return "the kernel lacks BTF (/sys/kernel/btf/vmlinux) or a type the programs need; " +
             errno_text(error);
    case ENOMEM:
      return "out of memory for maps (memory cgroup limit, or ring_buffer_bytes too large); " +
             errno_text(error);
    default:
      return errno_text(error);
  }
}

// Writes each key with value 1 into a set-like hash map.
template <typename Key>
std::string fill_set(bpf_map* map, const std::vector<Key>& keys, std::string_view what) {
  for (const Key& key : keys) {
    const uint8_t on = 1;
    if (int err = bpf_map__update_elem(map, &key, sizeof(key), &on, sizeof(on), BPF_ANY)) {
      return std::string(what) + ": " + errno_text(err);
    }
  }
  return "";
}

std::vector<pg_enforce_addr> enforce_keys(const std::vector<EnforcedAddress>& addresses) {
  std::vector<pg_enforce_addr> keys;
  for (const EnforcedAddress& a : addresses) {
    pg_enforce_addr key{};
    std::memcpy(key.addr, a.address.data(), sizeof(key.addr));
    key.port = a.port;
    keys.push_back(key);
  }
  return keys;
}

bool is_connect_program(const bpf_program* program) {
  return bpf_program__type(program) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
}

// Attaches the cgroup/connect programs to the cgroup v2 root as bpf_links: the kernel detaches
// them when the link is destroyed (stop) or this process dies, so none can outlive the agent.
std::string attach_connect_programs(panguard_bpf* skel, std::string cgroup_dir,
                                    std::vector<bpf_link*>& links) {
  if (cgroup_dir.empty()) {
    const auto detected = identity::detect_unified_mount();
    if (!detected) return "connect hooks need cgroup v2: no cgroup2 mount in /proc/self/mountinfo";
    cgroup_dir = *detected;
  }
  const int fd = ::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return "cannot open cgroup " + cgroup_dir + ": " + errno_text(errno);
  for (bpf_program* program : {skel->progs.pg_connect4, skel->progs.pg_connect6}) {
    bpf_link* link = bpf_program__attach_cgroup(program, fd);
    if (!link) {
      const int err = errno;
      ::close(fd);
      return std::string(bpf_program__name(program)) + " to " + cgroup_dir + ": " + errno_text(err);
    }
    links.push_back(link);
  }
  ::close(fd);
  return "";
}

// True when the running kernel's BTF has the tracepoint `name` (its btf_trace_<name> typedef),
// which tp_btf programs attach to.
bool kernel_has_tracepoint(const btf* vmlinux, const std::string& name) {
  return vmlinux != nullptr &&
         btf__find_by_name_kind(vmlinux, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) > 0;
}

// Leaves the send programs out on kernels without their tracepoints; "" when both are there.
std::string configure_send_capture(panguard_bpf* skel) {
  btf* vmlinux = btf__load_vmlinux_btf();
  const bool present = kernel_has_tracepoint(vmlinux, "tcp_sendmsg_locked") &&
                       kernel_has_tracepoint(vmlinux, "sock_send_length");
  btf__free(vmlinux);
  if (present) return "";
  bpf_program__set_autoload(skel->progs.pg_tcp_sendmsg, false);
  bpf_program__set_autoload(skel->progs.pg_send_done, false);
  return "no send capture: this kernel lacks the tcp_sendmsg_locked tracepoint (Linux 6.12+)";
}

int on_record(void* ctx, void* data, size_t size) {
  auto* handler = static_cast<BpfSensor::RecordHandler*>(ctx);
  (*handler)(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
  return 0;
}

}  // namespace

struct BpfSensor::State {
  panguard_bpf* skel = nullptr;
  std::vector<bpf_link*> links;
  ring_buffer* ring = nullptr;

  ~State() {
    if (ring) ring_buffer__free(ring);
    for (bpf_link* link : links) bpf_link__destroy(link);
    if (skel) panguard_bpf__destroy(skel);
  }
};

BpfSensor::BpfSensor(BpfSensorOptions options) : options_(std::move(options)) {}

BpfSensor::~BpfSensor() { stop(); }

std::string BpfSensor::start(RecordHandler handler) {
  if (state_) return "start: already running";
  if (std::string invalid = validate(options_); !invalid.empty()) return "configure: " + invalid;
  static std::once_flag print_once;
  std::call_once(print_once, [] { libbpf_set_print(libbpf_print); });
  handler_ = std::move(handler);

  auto state = std::make_unique<State>();
  // 1. open: parse the embedded object, no kernel work yet.
  state->skel = panguard_bpf__open();
  if (!state->skel) return "open: cannot open the embedded BPF object: " + errno_text(errno);

  // 2. configure: read-only globals and map sizes, fixed before load.
  panguard_bpf* skel = state->skel;
  skel->rodata->pg_own_tgid = options_.own_tgid;
  skel->rodata->pg_payload_bytes = options_.payload_bytes;
  skel->rodata->pg_all_connects = options_.all_connects ? 1 : 0;
  skel->rodata->pg_process_events = options_.process_events ? 1 : 0;
  skel->rodata->pg_filter_cgroups = options_.watched_cgroup_ids.empty() ? 0 : 1;
  const bool enforce = options_.enforce.deny_vault_direct;
  skel->rodata->pg_enforce = enforce ? 1 : 0;
  skel->rodata->pg_wakeup_bytes = options_.ring_buffer_bytes / 8;
  limitation_ = configure_send_capture(skel);
  if (int err = bpf_map__set_max_entries(skel->maps.pg_events, options_.ring_buffer_bytes)) {
    return "configure: ring buffer of " + std::to_string(options_.ring_buffer_bytes) +
           " bytes: " + errno_text(err);
  }

  // 3. load: maps created, programs verified.
  if (int err = panguard_bpf__load(skel)) return "load: " + load_failure(err);
  auto ports = std::make_unique<pg_port_set>();  // 8 KiB: not on the stack
  for (uint16_t port : options_.watched_ports) ports->bits[port / 8] |= uint8_t(1u << (port % 8));
  const uint32_t zero = 0;
  if (int err = bpf_map__update_elem(skel->maps.pg_watched_ports, &zero, sizeof(zero), ports.get(),
                                     sizeof(*ports), BPF_ANY)) {
    return "configure: watched ports: " + errno_text(err);
  }
  if (std::string why = fill_set(skel->maps.pg_watched_cgroups, options_.watched_cgroup_ids,
                                 "configure: watched cgroup");
      !why.empty()) {
    return why;
  }
  if (enforce) {
    if (std::string why =
            fill_set(skel->maps.pg_vault_addrs, enforce_keys(options_.enforce.vault_addresses),
                     "enforce: vault address");
        !why.empty()) {
      return why;
    }
    if (std::string why = fill_set(skel->maps.pg_allowed_cgroups,
                                   options_.enforce.allowed_cgroup_ids, "enforce: allowed cgroup");
        !why.empty()) {
      return why;
    }
    if (std::string why = fill_set(skel->maps.pg_enforce_scope,
                                   std::vector<uint64_t>{options_.enforce.scope_cgroup_id},
                                   "enforce: attach cgroup");
        !why.empty()) {
      return why;
    }
  }

  // 4. attach, program by program so a failure names the hook.
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, skel->obj) {
    // Left out (configure_send_capture), or attached to a cgroup below.
    if (!bpf_program__autoload(program) || is_connect_program(program)) continue;
    bpf_link* link = bpf_program__attach(program);
    if (!link) {
      const int err = errno;
      return std::string("attach: ") + bpf_program__name(program) + " (" +
             bpf_program__section_name(program) + "): " + errno_text(err) +
             (err == ENOENT ? " — the kernel lacks this tracepoint" : "");
    }
    state->links.push_back(link);
  }

  state->ring = ring_buffer__new(bpf_map__fd(skel->maps.pg_events), on_record, &handler_, nullptr);
  if (!state->ring) return "attach: ring buffer consumer: " + errno_text(errno);
  // Last, with the consumer ready: the first refusal already has somewhere to go.
  if (std::string why = attach_connect_programs(skel, options_.cgroup_root_dir, state->links);
      !why.empty()) {
    return (enforce ? "enforce: attach " : "attach: ") + why;
  }
  state_ = state.release();
  return "";
}

int BpfSensor::poll(int timeout_ms) {
  if (!state_) return -EBADF;
  const int handled = ring_buffer__poll(state_->ring, timeout_ms);
  if (handled != 0) return handled;  // woken, and everything available was drained (or -errno)
  // Timed out: send records are submitted without a wakeup until a batch is waiting
  // (bpf/panguard_common.bpf.h, pg_submit_batched), so drain whatever is there.
  return ring_buffer__consume(state_->ring);
}

std::array<uint64_t, kEventKinds> BpfSensor::drops() const {
  std::array<uint64_t, kEventKinds> total{};
  if (!state_) return total;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return total;
  std::vector<uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  for (uint32_t kind = 0; kind < kEventKinds; ++kind) {
    if (bpf_map__lookup_elem(state_->skel->maps.pg_drops, &kind, sizeof(kind), per_cpu.data(),
                             per_cpu.size() * sizeof(uint64_t), 0) != 0) {
      continue;
    }
    for (uint64_t n : per_cpu) total[kind] += n;
  }
  return total;
}

uint64_t BpfSensor::enforce_denials() const {
  if (!state_ || !options_.enforce.deny_vault_direct) return 0;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return 0;
  std::vector<uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  const uint32_t zero = 0;
  if (bpf_map__lookup_elem(state_->skel->maps.pg_enforce_denials, &zero, sizeof(zero),
                           per_cpu.data(), per_cpu.size() * sizeof(uint64_t), 0) != 0) {
    return 0;
  }
  uint64_t total = 0;
  for (uint64_t n : per_cpu) total += n;
  return total;
}

std::shared_ptr<PeerTable> BpfSensor::peer_table() const {
  if (!state_) return nullptr;
  return PeerTable::share(bpf_map__fd(state_->skel->maps.pg_peers),
                          bpf_map__fd(state_->skel->maps.pg_proxy_ports));
}

void BpfSensor::stop() {
  delete state_;
  state_ = nullptr;
}

#else  // !PANGUARD_HAVE_BPF

struct BpfSensor::State {};
BpfSensor::BpfSensor(BpfSensorOptions options) : options_(std::move(options)) {}
BpfSensor::~BpfSensor() = default;
std::string BpfSensor::start(RecordHandler) {
  return "open: this build has no eBPF support (clang, bpftool or libbpf missing at build time)";
}
int BpfSensor::poll(int) { return -EBADF; }
std::array<uint64_t, kEventKinds> BpfSensor::drops() const { return {}; }
uint64_t BpfSensor::enforce_denials() const { return 0; }
std::shared_ptr<PeerTable> BpfSensor::peer_table() const { return nullptr; }
void BpfSensor::stop() {}

#endif

}  // namespace panguard::agent::sensor
