// Appends records to one stream's audit files (one tenant, or the platform stream). Not
// thread-safe: AuditFileSink gives each stream to one writer thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "alerts/audit/audit_options.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts {

class AuditStreamWriter {
 public:
  AuditStreamWriter(std::filesystem::path stream_dir, std::string stream,
                    const AuditFileOptions& options, const NodeKey* key);
  ~AuditStreamWriter();
  AuditStreamWriter(const AuditStreamWriter&) = delete;
  AuditStreamWriter& operator=(const AuditStreamWriter&) = delete;

  // Creates the directory or resumes after the last record on disk, verifying the latest file
  // first. Returns why the stream cannot be appended to (then every append fails), or "".
  std::string open();
  bool ok() const { return error_.empty() && opened_; }
  const std::string& error() const { return error_; }

  bool append_alert(const std::string& alert_json);
  // Signs the current head if records were added since the last checkpoint.
  bool checkpoint(int64_t now_ns);
  void sync();  // fdatasync when anything was written since the last sync
  // The first call only starts the clock, so a fresh stream is not signed after one record.
  bool checkpoint_due(int64_t now_ns);

  uint64_t last_seq() const { return last_seq_; }

 private:
  bool append(const std::string& kind, const std::string& body);
  bool open_file(uint64_t first_seq);
  void close_file();
  std::string resume();

  const std::filesystem::path dir_;
  const std::string stream_;
  const AuditFileOptions& options_;
  const NodeKey* key_;
  int fd_ = -1;
  uint64_t file_bytes_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
  bool dirty_ = false;             // written since the last fdatasync
  bool unsigned_records_ = false;  // alerts since the last checkpoint
  int64_t last_checkpoint_ns_ = 0;
  bool opened_ = false;
  std::string error_;
};

}  // namespace panguard::alerts
