#include "alerts/webhook/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace panguard::alerts::webhook {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSegmentPrefix = "seg-";
constexpr std::string_view kSegmentSuffix = ".log";

std::string errno_text() { return std::strerror(errno); }

std::string segment_name(uint64_t number) {
  char name[64];
  std::snprintf(name, sizeof name, "seg-%020llu.log", static_cast<unsigned long long>(number));
  return name;
}

// "seg-<20 digits>.log" → number; anything else is not ours and is left alone.
std::optional<uint64_t> segment_number(const std::string& name) {
  if (name.size() != kSegmentPrefix.size() + 20 + kSegmentSuffix.size() ||
      name.compare(0, kSegmentPrefix.size(), kSegmentPrefix) != 0 ||
      name.compare(name.size() - kSegmentSuffix.size(), kSegmentSuffix.size(), kSegmentSuffix) !=
          0) {
    return std::nullopt;
  }
  uint64_t n = 0;
  for (std::size_t i = kSegmentPrefix.size(); i < kSegmentPrefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return n;
}

bool read_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

uint64_t auto_segment_bytes(const SpoolOptions& options) {
  if (options.segment_bytes != 0) return options.segment_bytes;
  return std::clamp<uint64_t>(options.max_bytes / 8, 4096, 64ull << 20);
}

}  // namespace

Spool::Spool(SpoolOptions options)
    : options_(std::move(options)), segment_bytes_(auto_segment_bytes(options_)) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) throw std::runtime_error("webhook spool " + options_.dir + ": " + ec.message());
  ::chmod(options_.dir.c_str(), 0700);
  dir_fd_ = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) throw std::runtime_error("webhook spool " + options_.dir + ": " + errno_text());
  const std::string lock_path = options_.dir + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string why = errno == EWOULDBLOCK ? "in use by another sink" : errno_text();
    if (lock_fd_ >= 0) ::close(lock_fd_);
    ::close(dir_fd_);
    throw std::runtime_error("webhook spool " + lock_path + ": " + why);
  }
  replay();
  std::lock_guard lock(mutex_);
  const uint64_t number = segments_.empty() ? 1 : segments_.back().number + 1;
  if (!open_segment_locked(number)) {
    const std::string why = errno_text();
    ::close(lock_fd_);
    ::close(dir_fd_);
    throw std::runtime_error("webhook spool " + options_.dir + ": cannot create segment: " + why);
  }
}

Spool::~Spool() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) {
    if (dirty_) ::fdatasync(fd_);
    ::close(fd_);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void Spool::replay() {
  std::map<uint64_t, std::string> files;
  for (const auto& entry : fs::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    if (auto number = segment_number(name); number && entry.is_regular_file()) {
      files.emplace(*number, entry.path().string());
    }
  }
  std::map<uint64_t, AlertRecord> alerts;
  std::vector<BatchRecord> batches;
  std::unordered_set<uint64_t> acked;
  uint64_t max_seq = 0;
  std::string bytes;
  for (const auto& [number, path] : files) {
    if (!read_file(path, bytes)) {
      throw std::runtime_error("webhook spool " + path + ": " + errno_text());
    }
    ScanResult scan = scan_records(bytes);
    replay_.corrupt_records += scan.corrupt;
    if (scan.torn_tail) ++replay_.torn_tails;
    for (auto& record : scan.records) {
      if (auto* alert = std::get_if<AlertRecord>(&record)) {
        max_seq = std::max(max_seq, alert->seq);
        const uint64_t seq = alert->seq;
        alerts.insert_or_assign(seq, std::move(*alert));
      } else if (auto* batch = std::get_if<BatchRecord>(&record)) {
        for (uint64_t seq : batch->seqs) max_seq = std::max(max_seq, seq);
        batches.push_back(std::move(*batch));
      } else {
        for (uint64_t seq : std::get<AckRecord>(record).seqs) {
          max_seq = std::max(max_seq, seq);
          acked.insert(seq);
        }
      }
    }
    segments_.push_back(Segment{number, path, bytes.size(), max_seq});
    total_bytes_ += bytes.size();
  }
  next_seq_ = max_seq + 1;
  std::unordered_set<uint64_t> pending_seqs;
  for (auto& [seq, alert] : alerts) {
    if (acked.contains(seq)) continue;
    pending_seqs.insert(seq);
    unacked_.insert(seq);
    replay_.pending.push_back(std::move(alert));
  }
  std::unordered_set<uint64_t> batched;
  for (auto& batch : batches) {
    const bool usable = std::all_of(batch.seqs.begin(), batch.seqs.end(), [&](uint64_t seq) {
      return pending_seqs.contains(seq) && !batched.contains(seq);
    });
    if (!usable) continue;
    batched.insert(batch.seqs.begin(), batch.seqs.end());
    replay_.batches.push_back(std::move(batch));
  }
  std::lock_guard lock(mutex_);
  delete_acked_segments_locked();
}

SpoolReplay Spool::take_replay() {
  std::lock_guard lock(mutex_);
  return std::exchange(replay_, SpoolReplay{});
}

bool Spool::open_segment_locked(uint64_t number) {
  Segment segment{number, options_.dir + "/" + segment_name(number), 0, next_seq_ - 1};
  const int fd =
      ::open(segment.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  if (fd_ >= 0) {
    if (dirty_) ::fdatasync(fd_);
    ::close(fd_);
  }
  fd_ = fd;
  dirty_ = false;
  ::fsync(dir_fd_);  // the new name survives power loss before any record relies on it
  segments_.push_back(std::move(segment));
  return true;
}

bool Spool::write_locked(const std::string& bytes) {
  if (fd_ < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Cut a partial record off again so the segment stays a clean sequence of records.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(segments_.back().size)) != 0) {
        ::close(fd_);  // cannot restore the framing: stop writing to this segment
        fd_ = -1;
      }
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  segments_.back().size += bytes.size();
  total_bytes_ += bytes.size();
  dirty_ = true;
  return true;
}

bool Spool::rotate_if_needed_locked() {
  if (fd_ >= 0 && segments_.back().size < segment_bytes_) return true;
  return open_segment_locked(segments_.back().number + 1);
}

Spool::Append Spool::append_alert(std::string_view id, std::string_view json, uint64_t& seq) {
  std::lock_guard lock(mutex_);
  const std::size_t size = encoded_alert_size(id, json);
  if (total_bytes_ + size > options_.max_bytes) return Append::kFull;
  if (!rotate_if_needed_locked()) return Append::kError;
  const uint64_t assigned = next_seq_;
  if (!write_locked(encode_record(AlertRecord{assigned, std::string(id), std::string(json)}))) {
    return Append::kError;
  }
  seq = assigned;
  ++next_seq_;
  segments_.back().last_seq = assigned;
  unacked_.insert(assigned);
  return Append::kOk;
}

bool Spool::append_batch(const BatchRecord& batch) {
  std::lock_guard lock(mutex_);
  return rotate_if_needed_locked() && write_locked(encode_record(batch));
}

bool Spool::append_ack(const std::vector<uint64_t>& seqs) {
  std::lock_guard lock(mutex_);
  for (uint64_t seq : seqs) unacked_.erase(seq);
  const bool written = rotate_if_needed_locked() && write_locked(encode_record(AckRecord{seqs}));
  delete_acked_segments_locked();
  return written;
}

void Spool::delete_acked_segments_locked() {
  const uint64_t watermark = unacked_.empty() ? next_seq_ : *unacked_.begin();
  bool deleted = false;
  // Never the current segment (the back while one is open).
  while (segments_.size() > (fd_ >= 0 ? 1u : 0u) && segments_.front().last_seq < watermark) {
    if (::unlink(segments_.front().path.c_str()) != 0 && errno != ENOENT) break;
    total_bytes_ -= segments_.front().size;
    segments_.pop_front();
    deleted = true;
  }
  if (deleted) ::fsync(dir_fd_);
}

bool Spool::sync() {
  // fdatasync outside the lock, on a duplicate descriptor, so write() callers never wait for the
  // disk flush (rotation may close the original meanwhile; it syncs that one itself).
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return false;
    if (!dirty_) return true;
    fd = ::dup(fd_);
    if (fd < 0) return false;
    dirty_ = false;
  }
  const bool ok = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) {
    std::lock_guard lock(mutex_);
    dirty_ = true;
  }
  return ok;
}

uint64_t Spool::bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

uint64_t Spool::unacked() const {
  std::lock_guard lock(mutex_);
  return unacked_.size();
}

std::size_t Spool::segment_count() const {
  std::lock_guard lock(mutex_);
  return segments_.size();
}

}  // namespace panguard::alerts::webhook
