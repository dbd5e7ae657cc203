#include "agent/sources/bpf/sensor_events.h"

#include <arpa/inet.h>
#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "agent/sources/bpf/nats_prefix.h"
#include "bpf/panguard_events.h"

namespace panguard::agent::sensor {
namespace {

using rules::FieldId;

// The agent and the kernel must agree on the layout: a change here is a PG_WIRE_VERSION bump.
static_assert(sizeof(pg_event_header) == 48);
static_assert(sizeof(pg_sockaddr) == 24);
static_assert(sizeof(pg_connect_event) == 80);
static_assert(offsetof(pg_send_event, payload) == PG_SEND_HEADER_BYTES);
static_assert(sizeof(pg_send_event) == PG_SEND_HEADER_BYTES + PG_PAYLOAD_MAX);
static_assert(sizeof(pg_exec_event) == 48 + PG_FILENAME_LEN + PG_ARGV0_LEN);
static_assert(sizeof(pg_exit_event) == 56);

// A NUL-terminated string in a fixed buffer, never reading past it.
std::string bounded(const char* text, std::size_t size) {
  return std::string(text, ::strnlen(text, size));
}

void fill_common(rules::Event& event, const pg_event_header& hdr, const EventContext& context,
                 std::string_view type) {
  event.set(FieldId::kEvtType, type);
  event.set(FieldId::kEvtTime, static_cast<int64_t>(hdr.ts_ns) + context.monotonic_to_realtime_ns);
  if (!context.node_name.empty()) event.set(FieldId::kEvtNode, context.node_name);
  event.set(FieldId::kProcPid, static_cast<int64_t>(hdr.tgid));
  event.set(FieldId::kProcComm, bounded(hdr.comm, sizeof(hdr.comm)));
  if (context.identity) {
    context.identity->fill(event, hdr.cgroup_id);
  } else {
    event.set(FieldId::kProcCgroupId, static_cast<int64_t>(hdr.cgroup_id));
    event.set(FieldId::kTenantSource, "none");
  }
}

template <typename Record>
std::optional<Record> read_as(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof(Record)) return std::nullopt;
  Record record;
  std::memcpy(&record, bytes.data(), sizeof(Record));
  return record;
}

// A send record is as long as the payload capacity the kernel was configured with: the fixed
// part, then payload_len valid bytes that must lie inside the record.
std::variant<pg_send_event, std::string> read_send(std::span<const std::byte> bytes) {
  if (bytes.size() < PG_SEND_HEADER_BYTES) return std::string("send record too short");
  pg_send_event record{};
  std::memcpy(&record, bytes.data(), std::min(bytes.size(), sizeof(record)));
  if (record.payload_len > PG_PAYLOAD_MAX ||
      record.payload_len > bytes.size() - PG_SEND_HEADER_BYTES) {
    return std::string("send record: payload_len past the record");
  }
  return record;
}

void fill_destination(rules::Event& event, const pg_sockaddr& dst) {
  event.set(FieldId::kNetDaddr, address_text(dst.family, dst.addr));
  event.set(FieldId::kNetDport, static_cast<int64_t>(dst.port));
}

int64_t exit_status(int32_t code) {
  const int signal = code & 0x7f;
  if (signal != 0) return 128 + signal;
  return (code >> 8) & 0xff;
}

}  // namespace

int64_t monotonic_to_realtime_offset() {
  timespec real{};
  timespec mono{};
  ::clock_gettime(CLOCK_REALTIME, &real);
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  return (static_cast<int64_t>(real.tv_sec) - mono.tv_sec) * 1'000'000'000 +
         (static_cast<int64_t>(real.tv_nsec) - mono.tv_nsec);
}

std::string escape_payload(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b == '\\') {
      out += "\\\\";
    } else if (b >= 0x20 && b < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
  return out;
}

std::string address_text(uint16_t family, const uint8_t* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  const int af = family == PG_AF_INET6 ? AF_INET6 : AF_INET;
  if (!::inet_ntop(af, addr, text, sizeof(text))) return "";
  return text;
}

std::variant<rules::Event, std::string> record_to_event(std::span<const std::byte> record,
                                                        const EventContext& context) {
  const auto hdr = read_as<pg_event_header>(record);
  if (!hdr) return "record shorter than its header (" + std::to_string(record.size()) + " bytes)";
  if (hdr->version != PG_WIRE_VERSION) {
    return "wire version " + std::to_string(hdr->version) + ", expected " +
           std::to_string(PG_WIRE_VERSION);
  }
  switch (hdr->kind) {
    case PG_EV_CONNECT: {
      const auto e = read_as<pg_connect_event>(record);
      if (!e) return std::string("connect record too short");
      rules::Event event(rules::Source::kNetwork);
      fill_common(event, e->hdr, context, "network.connect");
      fill_destination(event, e->dst);
      // An attempt seen before the kernel tried has no result; a refusal by the kernel
      // (enforce.vault_direct: deny) has EPERM, and the alert says the connect was denied.
      if ((e->flags & PG_CONNECT_ATTEMPT) == 0) {
        event.set(FieldId::kNetResult, static_cast<int64_t>(e->result));
      }
      if ((e->flags & PG_CONNECT_ENFORCED) != 0) event.set(FieldId::kNetEnforced, true);
      return event;
    }
    case PG_EV_SEND: {
      auto send = read_send(record);
      if (auto* why = std::get_if<std::string>(&send)) return std::move(*why);
      const pg_send_event* e = &std::get<pg_send_event>(send);
      rules::Event event(rules::Source::kNetwork);
      fill_common(event, e->hdr, context, "network.send");
      fill_destination(event, e->dst);
      // payload_len 0 for a non-empty send: the kernel could not read the buffer (a page not
      // resident: BPF cannot fault it in). Absent, not empty, so no rule mistakes it for data.
      if (e->payload_len > 0 || e->requested_len == 0) {
        event.set(FieldId::kNetPayload,
                  escape_payload(
                      std::string_view(reinterpret_cast<const char*>(e->payload), e->payload_len)));
      }
      return event;
    }
    case PG_EV_EXEC: {
      const auto e = read_as<pg_exec_event>(record);
      if (!e) return std::string("exec record too short");
      rules::Event event(rules::Source::kProcess);
      fill_common(event, e->hdr, context, "process.exec");
      event.set(FieldId::kProcPpid, static_cast<int64_t>(e->hdr.ppid));
      event.set(FieldId::kProcExe, bounded(e->filename, sizeof(e->filename)));
      event.set(FieldId::kProcArgv0, bounded(e->argv0, sizeof(e->argv0)));
      return event;
    }
    case PG_EV_EXIT: {
      const auto e = read_as<pg_exit_event>(record);
      if (!e) return std::string("exit record too short");
      rules::Event event(rules::Source::kProcess);
      fill_common(event, e->hdr, context, "process.exit");
      event.set(FieldId::kProcPpid, static_cast<int64_t>(e->hdr.ppid));
      event.set(FieldId::kProcExitCode, exit_status(e->exit_code));
      return event;
    }
    default:
      return "unknown record kind " + std::to_string(hdr->kind);
  }
}

std::vector<rules::Event> nats_events(std::span<const std::byte> record,
                                      const EventContext& context) {
  std::vector<rules::Event> out;
  if (context.nats_ports.empty()) return out;
  const auto send = read_send(record);
  const pg_send_event* e = std::get_if<pg_send_event>(&send);
  if (!e || e->hdr.version != PG_WIRE_VERSION || e->hdr.kind != PG_EV_SEND) return out;
  if (std::find(context.nats_ports.begin(), context.nats_ports.end(), e->dst.port) ==
      context.nats_ports.end()) {
    return out;
  }
  const NatsParse parsed = parse_nats_prefix(
      std::string_view(reinterpret_cast<const char*>(e->payload), e->payload_len));
  for (const NatsCommand& command : parsed.commands) {
    rules::Event event(rules::Source::kNats);
    fill_common(event, e->hdr, context, command.op == "SUB" ? "nats.subscribe" : "nats.publish");
    fill_destination(event, e->dst);
    event.set(FieldId::kNatsOp, command.op);
    event.set(FieldId::kNatsSubject, command.subject);
    const std::string owner = subject_tenant(command.subject);
    if (!owner.empty()) event.set(FieldId::kNatsSubjectTenant, owner);
    out.push_back(std::move(event));
  }
  return out;
}

}  // namespace panguard::agent::sensor
