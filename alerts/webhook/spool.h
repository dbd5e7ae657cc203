// Durable webhook spool: append-only segment files of framed records (spool_record.h) under one
// directory, replayed at open, bounded in bytes. Thread-safe.
//
// Durability: append_alert() is one write(2) to the current segment, so a record survives a crash
// of this process once the call returns; sync() (fdatasync) makes it survive power loss. A new
// segment is fdatasync'ed with its directory entry. Acknowledged alerts are recorded with ack
// records (not synced: a lost ack only means a resend). A segment is deleted once every alert up
// to its last one is acknowledged, oldest first, so ack and batch records never outlive the
// alerts they name. Each open starts a new segment: old segments are only read, never appended to
// (their torn tail, if any, stays cut off).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/webhook/spool_record.h"

namespace panguard::alerts::webhook {

struct SpoolOptions {
  std::string dir;
  uint64_t max_bytes = 256ull << 20;
  // Segment rotation size; 0 = max_bytes / 8, between 4 KiB and 64 MiB.
  uint64_t segment_bytes = 0;
};

struct SpoolReplay {
  std::vector<AlertRecord> pending;  // unacknowledged alerts, in seq order
  // Batches formed before the restart whose members are all pending: resent as they were.
  std::vector<BatchRecord> batches;
  uint64_t corrupt_records = 0;
  uint64_t torn_tails = 0;
};

class Spool {
 public:
  // Creates the directory (0700) if needed, takes an exclusive flock on <dir>/lock, reads every
  // segment and opens a fresh one. Throws std::runtime_error naming the path on failure.
  explicit Spool(SpoolOptions options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // What the open found; moved out once.
  SpoolReplay take_replay();

  enum class Append { kOk, kFull, kError };
  // Assigns the next seq and appends the alert; kFull when it would take the spool past
  // max_bytes (nothing written).
  Append append_alert(std::string_view id, std::string_view json, uint64_t& seq);
  // Batch and ack records may exceed max_bytes slightly: refusing them could wedge a full spool.
  bool append_batch(const BatchRecord& batch);
  bool append_ack(const std::vector<uint64_t>& seqs);
  bool sync();

  uint64_t bytes() const;
  uint64_t unacked() const;
  std::size_t segment_count() const;

 private:
  struct Segment {
    uint64_t number = 0;
    std::string path;
    uint64_t size = 0;
    uint64_t last_seq = 0;  // highest alert seq assigned when the segment was closed (or now)
  };
  bool write_locked(const std::string& bytes);
  bool open_segment_locked(uint64_t number);
  bool rotate_if_needed_locked();
  void delete_acked_segments_locked();
  void replay();

  const SpoolOptions options_;
  const uint64_t segment_bytes_;
  int lock_fd_ = -1;
  int dir_fd_ = -1;
  mutable std::mutex mutex_;
  int fd_ = -1;  // current segment
  bool dirty_ = false;
  std::deque<Segment> segments_;  // oldest first; back() is the current one
  uint64_t total_bytes_ = 0;
  uint64_t next_seq_ = 1;
  std::set<uint64_t> unacked_;
  SpoolReplay replay_;
};

}  // namespace panguard::alerts::webhook
