#include "alerts/audit/audit_stream_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "alerts/audit/audit_hash.h"
#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_record.h"
#include "alerts/audit/audit_verifier.h"
#include "rules/event_json.h"

namespace panguard::alerts {
namespace {

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A new file's directory entry must reach the disk too, or a synced file can vanish on crash.
void sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AuditStreamWriter::AuditStreamWriter(std::filesystem::path stream_dir, std::string stream,
                                     const AuditFileOptions& options, const NodeKey* key)
    : dir_(std::move(stream_dir)),
      stream_(std::move(stream)),
      options_(options),
      key_(key),
      last_hash_(kGenesisHash) {}

AuditStreamWriter::~AuditStreamWriter() { close_file(); }

std::string AuditStreamWriter::open() {
  opened_ = true;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return error_ = dir_.string() + ": " + ec.message();
  error_ = resume();
  return error_;
}

// Verifies the latest non-empty file on its own (its first record is trusted to link to the
// file before; `panguard audit verify` checks the whole set) and continues after its last record.
std::string AuditStreamWriter::resume() {
  std::error_code ec;
  std::vector<AuditFile> files = list_audit_files(dir_, ec);
  if (ec) return dir_.string() + ": " + ec.message();
  // A file created just before the agent stopped holds nothing yet; it is reused only if it is
  // the file the next record belongs in (open_file below picks the same name).
  std::optional<AuditFile> empty;
  while (!files.empty() && std::filesystem::file_size(files.back().path, ec) == 0 && !ec) {
    if (empty) return files.back().path.string() + ": more than one empty audit file";
    empty = files.back();
    files.pop_back();
  }
  if (files.empty()) {
    if (empty && empty->first_seq != 1) {
      return empty->path.string() + ": empty file does not start the stream";
    }
    return {};  // a new stream: the first append creates the seq-1 file
  }
  const AuditFile& latest = files.back();
  const auto bytes = read_audit_file(latest.path);
  if (!bytes) return latest.path.string() + ": cannot read";
  // Links and structure only: signatures are `audit verify`'s job, and checking them here would
  // refuse every stream after a node key rotation.
  ChainVerifier verifier({stream_, /*from_genesis=*/latest.first_seq == 1, nullptr});
  verifier.add_file(latest.path.string(), *bytes, latest.first_seq);
  const ChainReport report = verifier.finish();
  if (report.problem) return "tail does not verify: " + report.problem->to_string();
  last_seq_ = report.last_seq;
  last_hash_ = report.last_hash;
  unsigned_records_ = report.records_after_last_checkpoint > 0;
  if (empty && empty->first_seq != last_seq_ + 1) {
    return empty->path.string() + ": empty file does not follow seq " + std::to_string(last_seq_);
  }
  if (empty || bytes->size() >= options_.rotate_bytes) return {};  // next append opens the file
  const int fd = ::open(latest.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return latest.path.string() + ": " + std::strerror(errno);
  fd_ = fd;
  file_bytes_ = bytes->size();
  return {};
}

bool AuditStreamWriter::open_file(uint64_t first_seq) {
  const std::filesystem::path path = dir_ / audit_file_name(first_seq);
  // O_APPEND: every write lands at the end even if something else opened the file.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    error_ = path.string() + ": " + std::strerror(errno);
    return false;
  }
  fd_ = fd;
  struct stat st {};
  file_bytes_ = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (options_.fsync != FsyncPolicy::kNever) sync_dir(dir_);
  return true;
}

void AuditStreamWriter::close_file() {
  if (fd_ < 0) return;
  ::fdatasync(fd_);
  ::close(fd_);
  fd_ = -1;
  dirty_ = false;
}

bool AuditStreamWriter::append(const std::string& kind, const std::string& body) {
  if (!ok()) return false;
  if (fd_ < 0 && !open_file(last_seq_ + 1)) return false;
  const RecordLine record = make_record_line(last_seq_ + 1, last_hash_, kind, body);
  if (!write_all(fd_, record.line)) {
    // The file may now end in a partial line; stop here so the damage is reported, never
    // written past. The next start refuses the tail until an operator looks at it.
    error_ = stream_ + ": write failed: " + std::strerror(errno);
    return false;
  }
  ++last_seq_;
  last_hash_ = record.hash;
  file_bytes_ += record.line.size();
  dirty_ = true;
  if (options_.fsync == FsyncPolicy::kAlways) sync();
  // Rotation after the write: the next record opens audit-<seq+1>, linking by prev as usual.
  if (file_bytes_ >= options_.rotate_bytes) close_file();
  return true;
}

bool AuditStreamWriter::append_alert(const std::string& alert_json) {
  if (!append("alert", alert_json)) return false;
  unsigned_records_ = true;
  return true;
}

bool AuditStreamWriter::checkpoint_due(int64_t now_ns) {
  if (!key_ || options_.checkpoint_interval_s <= 0) return false;
  if (last_checkpoint_ns_ == 0) last_checkpoint_ns_ = now_ns;
  return unsigned_records_ &&
         now_ns - last_checkpoint_ns_ >= options_.checkpoint_interval_s * 1'000'000'000;
}

bool AuditStreamWriter::checkpoint(int64_t now_ns) {
  if (!key_ || !unsigned_records_ || !ok()) return false;
  const std::string signature =
      key_->sign(checkpoint_message(stream_, last_seq_, last_hash_, now_ns));
  if (signature.empty()) {
    error_ = stream_ + ": checkpoint signing failed";
    return false;
  }
  nlohmann::ordered_json body;
  body["stream"] = stream_;
  body["covers_seq"] = last_seq_;
  body["covers_hash"] = last_hash_;
  body["time"] = rules::format_rfc3339_utc(now_ns);
  body["time_ns"] = now_ns;
  body["key_id"] = key_->key_id();
  body["signature"] = to_hex(signature);
  if (!append("checkpoint", body.dump())) return false;
  unsigned_records_ = false;
  last_checkpoint_ns_ = now_ns;
  return true;
}

void AuditStreamWriter::sync() {
  if (fd_ >= 0 && dirty_) ::fdatasync(fd_);
  dirty_ = false;
}

}  // namespace panguard::alerts
