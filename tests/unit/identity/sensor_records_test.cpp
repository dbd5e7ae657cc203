// Kernel record -> event decoding (agent/sources/bpf/sensor_events.*): layouts built here the
// way the BPF programs write them; short, foreign-version and unknown records are refused.
// (Lives with the identity tests: one executable for the sensor's user-space half.)
#include <gtest/gtest.h>

#include <cstring>
#include <variant>
#include <vector>

#include "agent/sources/bpf/bpf_sensor.h"
#include "agent/sources/bpf/sensor_events.h"
#include "bpf/panguard_events.h"

namespace panguard::agent::sensor {
namespace {

using rules::FieldId;

template <typename T>
std::vector<std::byte> bytes_of(const T& record) {
  std::vector<std::byte> out(sizeof(T));
  std::memcpy(out.data(), &record, sizeof(T));
  return out;
}

pg_event_header header(uint16_t kind) {
  pg_event_header h{};
  h.version = PG_WIRE_VERSION;
  h.kind = kind;
  h.pid = 101;
  h.tgid = 100;
  h.cgroup_id = 4242;
  h.ts_ns = 1'000;
  std::memcpy(h.comm, "curl\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  return h;
}

// A connect the enforcement program refused: net.enforced, which an ordinary connect lacks.
TEST(SensorRecords, EnforcedConnectCarriesTheFlag) {
  pg_connect_event e{};
  e.hdr = header(PG_EV_CONNECT);
  e.dst.family = PG_AF_INET;
  e.dst.port = 8200;
  e.result = -1;
  e.flags = PG_CONNECT_ENFORCED;
  auto result = record_to_event(bytes_of(e), {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result)) << std::get<std::string>(result);
  const bool* enforced = std::get<rules::Event>(result).get_bool(FieldId::kNetEnforced);
  ASSERT_NE(enforced, nullptr);
  EXPECT_TRUE(*enforced);
  EXPECT_EQ(*std::get<rules::Event>(result).get_int(FieldId::kNetResult), -1);
  e.flags = 0;
  auto plain = record_to_event(bytes_of(e), {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(plain));
  EXPECT_FALSE(std::get<rules::Event>(plain).has(FieldId::kNetEnforced));
}

TEST(SensorRecords, ConnectIpv4) {
  pg_connect_event e{};
  e.hdr = header(PG_EV_CONNECT);
  e.dst.family = PG_AF_INET;
  e.dst.port = 8200;
  const uint8_t addr[4] = {10, 1, 2, 3};
  std::memcpy(e.dst.addr, addr, 4);
  e.result = -115;
  EventContext context;
  context.node_name = "n1";
  context.monotonic_to_realtime_ns = 5'000;
  auto result = record_to_event(bytes_of(e), context);
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result)) << std::get<std::string>(result);
  const auto& event = std::get<rules::Event>(result);
  EXPECT_EQ(event.source(), rules::Source::kNetwork);
  EXPECT_EQ(*event.get_string(FieldId::kEvtType), "network.connect");
  EXPECT_EQ(*event.get_int(FieldId::kEvtTime), 6'000);
  EXPECT_EQ(*event.get_string(FieldId::kEvtNode), "n1");
  EXPECT_EQ(*event.get_int(FieldId::kProcPid), 100);
  EXPECT_EQ(*event.get_string(FieldId::kProcComm), "curl");
  EXPECT_EQ(*event.get_string(FieldId::kNetDaddr), "10.1.2.3");
  EXPECT_EQ(*event.get_int(FieldId::kNetDport), 8200);
  EXPECT_EQ(*event.get_int(FieldId::kNetResult), -115);
  EXPECT_EQ(*event.get_int(FieldId::kProcCgroupId), 4242);
  EXPECT_EQ(*event.get_string(FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));

  // Seen by cgroup/connect before the kernel tried: no result, rather than a made-up 0.
  e.flags = PG_CONNECT_ATTEMPT;
  e.result = 0;
  result = record_to_event(bytes_of(e), context);
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result));
  EXPECT_FALSE(std::get<rules::Event>(result).has(FieldId::kNetResult));
  EXPECT_EQ(*std::get<rules::Event>(result).get_int(FieldId::kNetDport), 8200);
}

TEST(SensorRecords, SendEscapesPayloadAndOmitsUnreadableOnes) {
  pg_send_event e{};
  e.hdr = header(PG_EV_SEND);
  e.dst.family = PG_AF_INET6;
  e.dst.port = 4222;
  e.dst.addr[15] = 1;
  const char payload[] = "PUB a\\b 5\r\n\xff";
  e.payload_len = sizeof(payload) - 1;
  e.requested_len = 100;
  std::memcpy(e.payload, payload, e.payload_len);
  auto result = record_to_event(bytes_of(e), {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result));
  const auto& event = std::get<rules::Event>(result);
  EXPECT_EQ(*event.get_string(FieldId::kEvtType), "network.send");
  EXPECT_EQ(*event.get_string(FieldId::kNetDaddr), "::1");
  EXPECT_EQ(*event.get_string(FieldId::kNetPayload), "PUB a\\\\b 5\\x0d\\x0a\\xff");

  e.payload_len = 0;  // the kernel could not read a non-empty buffer
  result = record_to_event(bytes_of(e), {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result));
  EXPECT_FALSE(std::get<rules::Event>(result).has(FieldId::kNetPayload));

  e.payload_len = PG_PAYLOAD_MAX + 1;
  EXPECT_TRUE(std::holds_alternative<std::string>(record_to_event(bytes_of(e), {})));
}

// The kernel reserves only the configured payload capacity: a record shorter than the struct
// is read as far as it goes, and payload_len may not point past its end.
TEST(SensorRecords, SendRecordsAreAsLongAsTheirPayloadCapacity) {
  pg_send_event e{};
  e.hdr = header(PG_EV_SEND);
  e.dst.family = PG_AF_INET;
  e.dst.port = 4222;
  std::memcpy(e.payload, "PUB x 0", 7);
  e.payload_len = 7;
  e.requested_len = 7;
  auto bytes = bytes_of(e);
  const auto capacity_16 = std::span(bytes).first(PG_SEND_RECORD_BYTES(16));
  auto result = record_to_event(capacity_16, {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result)) << std::get<std::string>(result);
  EXPECT_EQ(*std::get<rules::Event>(result).get_string(FieldId::kNetPayload), "PUB x 0");

  e.payload_len = 17;  // one byte past a 16-byte capacity
  bytes = bytes_of(e);
  EXPECT_TRUE(std::holds_alternative<std::string>(
      record_to_event(std::span(bytes).first(PG_SEND_RECORD_BYTES(16)), {})));
  e.payload_len = 0;
  bytes = bytes_of(e);
  EXPECT_TRUE(std::holds_alternative<std::string>(
      record_to_event(std::span(bytes).first(PG_SEND_HEADER_BYTES - 1), {})));
}

TEST(SensorRecords, ExecAndExit) {
  pg_exec_event exec{};
  exec.hdr = header(PG_EV_EXEC);
  exec.hdr.ppid = 1;
  std::memset(exec.filename, 'a', sizeof(exec.filename));  // no terminator: bounded read
  std::strcpy(exec.argv0, "sh");
  auto result = record_to_event(bytes_of(exec), {});
  ASSERT_TRUE(std::holds_alternative<rules::Event>(result));
  const auto& event = std::get<rules::Event>(result);
  EXPECT_EQ(event.source(), rules::Source::kProcess);
  EXPECT_EQ(event.get_string(FieldId::kProcExe)->size(), sizeof(exec.filename));
  EXPECT_EQ(*event.get_string(FieldId::kProcArgv0), "sh");
  EXPECT_EQ(*event.get_int(FieldId::kProcPpid), 1);

  pg_exit_event exit_record{};
  exit_record.hdr = header(PG_EV_EXIT);
  exit_record.exit_code = 3 << 8;
  result = record_to_event(bytes_of(exit_record), {});
  EXPECT_EQ(*std::get<rules::Event>(result).get_int(FieldId::kProcExitCode), 3);
  exit_record.exit_code = 9;  // SIGKILL
  result = record_to_event(bytes_of(exit_record), {});
  EXPECT_EQ(*std::get<rules::Event>(result).get_int(FieldId::kProcExitCode), 137);
}

TEST(SensorRecords, RefusesMalformedRecords) {
  pg_connect_event e{};
  e.hdr = header(PG_EV_CONNECT);
  auto bytes = bytes_of(e);
  EXPECT_TRUE(std::holds_alternative<std::string>(
      record_to_event(std::span(bytes).first(sizeof(pg_event_header) - 1), {})));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      record_to_event(std::span(bytes).first(sizeof(pg_connect_event) - 1), {})));
  e.hdr.version = PG_WIRE_VERSION + 1;
  EXPECT_TRUE(std::holds_alternative<std::string>(record_to_event(bytes_of(e), {})));
  e.hdr.version = PG_WIRE_VERSION;
  e.hdr.kind = 99;
  EXPECT_TRUE(std::holds_alternative<std::string>(record_to_event(bytes_of(e), {})));
}

TEST(SensorOptions, ValidatedBeforeAnyKernelWork) {
  BpfSensorOptions options;
  EXPECT_EQ(validate(options), "");
  options.payload_bytes = 257;
  EXPECT_NE(validate(options), "");
  options = {};
  options.ring_buffer_bytes = 3 * 4096;
  EXPECT_NE(validate(options), "");
  options = {};
  options.watched_ports = {};
  EXPECT_NE(validate(options), "");
  options = {};
  options.watched_ports = {0};
  EXPECT_NE(validate(options), "");
  // Refused options fail in "configure", before the kernel is asked anything.
  options = {};
  options.payload_bytes = 999;
  BpfSensor sensor(options);
  EXPECT_EQ(sensor.start([](std::span<const std::byte>) {}).rfind("configure: ", 0), 0u);
  EXPECT_FALSE(sensor.running());
}

}  // namespace
}  // namespace panguard::agent::sensor
