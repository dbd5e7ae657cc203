#include "agent/sources/bpf/sensor_service.h"

#include <unistd.h>

#include <numeric>

#include "agent/log/log.h"
#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"
#include "agent/time_source.h"

namespace panguard::agent::sensor {

SensorService::SensorService(SensorServiceOptions options,
                             std::unique_ptr<identity::PodDirectory> pods, Pipeline& pipeline,
                             Metrics& metrics, const TimeSource& clock)
    : options_(std::move(options)),
      pods_(std::move(pods)),
      pipeline_(pipeline),
      metrics_(metrics),
      clock_(clock),
      sensor_(options_.bpf) {}

SensorService::~SensorService() { stop(); }

std::string SensorService::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

std::string SensorService::start() {
  auto fail = [this](std::string why) {
    {
      std::lock_guard lock(status_mutex_);
      status_ = "degraded: " + why;
    }
    metrics_.set_sensor_degraded(true);
    return why;
  };
  std::string root = options_.cgroup_root;
  if (root.empty()) {
    const auto detected = identity::detect_unified_mount();
    if (!detected) return fail("identity: no cgroup v2 (cgroup2) mount in /proc/self/mountinfo");
    root = *detected;
  }
  cgroups_ = std::make_shared<identity::CgroupPaths>(root);
  resolver_ = std::make_unique<identity::WorkloadResolver>(*cgroups_, pods_.get());
  context_.node_name = options_.node_name;
  context_.monotonic_to_realtime_ns = monotonic_to_realtime_offset();
  context_.identity = resolver_.get();
  context_.nats_ports = options_.nats_ports;

  std::string error = sensor_.start([this](std::span<const std::byte> r) { on_record(r); });
  if (!error.empty()) return fail(error);
  cgroups_->rescan();  // warm the cache before the first event
  if (auto table = sensor_.peer_table()) {
    peers_ = std::make_shared<PeerResolver>(std::move(table), cgroups_, pods_);
  } else {
    log::warning("sensor: cannot share the peer map, so Vault proxy clients stay unattributed");
  }
  const std::string& limitation = sensor_.limitation();
  {
    std::lock_guard lock(status_mutex_);
    status_ = limitation.empty() ? "running" : "running, degraded: " + limitation;
  }
  ok_.store(true);
  // A partial sensor is still a degraded one for whoever watches the gauge.
  metrics_.set_sensor_degraded(!limitation.empty());
  if (!limitation.empty()) log::warning("sensor: ", limitation);
  last_drop_read_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { poll_loop(); });
  return "";
}

void SensorService::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  sensor_.stop();
  ok_.store(false);
}

// How long a lone send record may wait in the ring buffer (they wake this thread in batches).
constexpr int kPollTimeoutMs = 20;

void SensorService::poll_loop() {
  while (!stopping_.load()) {
    const int n = sensor_.poll(kPollTimeoutMs);
    if (n < 0 && n != -EINTR) {
      log::error("sensor: ring buffer poll failed (errno ", -n, "); the sensor stops");
      std::lock_guard lock(status_mutex_);
      status_ = "degraded: ring buffer poll failed (errno " + std::to_string(-n) + ")";
      ok_.store(false);
      metrics_.set_sensor_degraded(true);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_drop_read_ >= options_.drop_report_period) report_drops(now);
  }
}

void SensorService::on_record(std::span<const std::byte> record) {
  auto result = record_to_event(record, context_);
  if (auto* why = std::get_if<std::string>(&result)) {
    metrics_.count_drop(DropStage::kSensorRecord);
    const uint64_t n = ++bad_records_;
    if (log::should_log_occurrence(n))
      log::warning("sensor: record refused: ", *why, " (", n, " so far)");
    return;
  }
  for (rules::Event& nats : nats_events(record, context_)) {
    ++events_;
    pipeline_.process(std::move(nats), clock_.now_ns(), [](ProcessResult) {});
  }
  rules::Event& event = std::get<rules::Event>(result);
  if (log::enabled(log::Level::kDebug)) {
    using rules::FieldId;
    log::debug("sensor: ", rules::render_value(event.get(FieldId::kEvtType)),
               " pid=", rules::render_value(event.get(FieldId::kProcPid)),
               " cgroup_id=", rules::render_value(event.get(FieldId::kProcCgroupId)),
               " pod_uid=", rules::render_value(event.get(FieldId::kK8sPodUid)),
               " tenant=", rules::render_value(event.get(FieldId::kTenantId)));
  }
  ++events_;
  pipeline_.process(std::move(event), clock_.now_ns(), [](ProcessResult) {});
}

void SensorService::report_drops(std::chrono::steady_clock::time_point now) {
  last_drop_read_ = now;
  // Refusals come from the kernel's own count: a record lost to a full ring is still counted.
  const uint64_t denials = sensor_.enforce_denials();
  if (denials > last_enforce_denials_) {
    metrics_.count_enforce_denials(static_cast<double>(denials - last_enforce_denials_));
    last_enforce_denials_ = denials;
  }
  const auto drops = sensor_.drops();
  uint64_t fresh = 0;
  for (std::size_t kind = 0; kind < drops.size(); ++kind) {
    if (drops[kind] > last_drops_[kind]) fresh += drops[kind] - last_drops_[kind];
  }
  last_drops_ = drops;
  if (fresh == 0 && unreported_drops_ == 0) return;
  if (fresh > 0) metrics_.count_drop(DropStage::kSensorRing, static_cast<double>(fresh));
  unreported_drops_ += fresh;
  if (alerted_once_ && now - last_drop_alert_ < options_.drop_alert_period) return;
  alerted_once_ = true;
  last_drop_alert_ = now;
  const uint64_t total = std::accumulate(drops.begin(), drops.end(), uint64_t{0});
  log::warning("sensor: ", unreported_drops_,
               " kernel records lost (ring buffer full; raise sensor.ring_buffer_bytes), ", total,
               " since start");
  pipeline_.emit_platform(
      {"Sensor ring buffer drops", rules::Priority::kWarning, "sensor",
       std::to_string(unreported_drops_) + " kernel records lost since the last report (" +
           std::to_string(total) + " since start): the ring buffer was full"},
      clock_.now_ns());
  unreported_drops_ = 0;
}

}  // namespace panguard::agent::sensor
