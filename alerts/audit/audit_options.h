// Settings of one audit file sink (config: alerts.routes[].sink with type audit_file).
#pragma once

#include <cstdint>
#include <string>

namespace panguard::alerts {

enum class FsyncPolicy {
  kAlways,    // fdatasync after every record: nothing accepted is lost on power failure
  kInterval,  // fdatasync every fsync_interval_ms: bounded loss window, far cheaper
  kNever,     // leave it to the kernel (still synced at rotation and shutdown)
};

struct AuditFileOptions {
  std::string dir;  // one subdirectory per stream (escaped tenant, or @platform)
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1'000;
  uint64_t rotate_bytes = uint64_t{64} << 20;  // start a new file once one reaches this size
  int64_t checkpoint_interval_s = 300;         // 0: no checkpoints
  std::string node_key_file;                   // Ed25519 PEM; required for checkpoints
  std::size_t queue_records = 100'000;         // alerts waiting for the writer thread
};

}  // namespace panguard::alerts
