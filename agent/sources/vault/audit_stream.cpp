#include "agent/sources/vault/audit_stream.h"

#include <utility>

namespace panguard::vault {

AuditFramer::AuditFramer(AuditFramerOptions options) : options_(std::move(options)) {}

void AuditFramer::feed(std::string_view bytes, const RecordSink& on_record,
                       const ErrorSink& on_error) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const bool ends_here = newline != std::string_view::npos;
    const std::string_view head = ends_here ? bytes.substr(0, newline) : bytes;

    if (!discarding_ && pending_.size() + head.size() > options_.max_record_bytes) {
      start_discarding(pending_.size() + head.size(), on_error);
    }
    if (discarding_) {
      if (!ends_here) return;  // the over-long record goes on past this chunk
      discarding_ = false;     // resynchronized at its newline
    } else if (!ends_here) {
      pending_.append(head);
      return;
    } else if (pending_.empty()) {
      complete(head, on_record, on_error);  // whole record inside this chunk: no copy
    } else {
      pending_.append(head);
      complete(pending_, on_record, on_error);
      pending_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
}

void AuditFramer::finish(const ErrorSink& on_error) {
  if (!discarding_ && !pending_.empty()) {
    ++stats_.truncated_at_eof;
    on_error({FramingErrorKind::kTruncatedAtEof, "audit stream ended inside a record; " +
                                                     std::to_string(pending_.size()) +
                                                     " bytes without a closing newline dropped"});
  }
  pending_.clear();
  discarding_ = false;
}

void AuditFramer::complete(std::string_view line, const RecordSink& on_record,
                           const ErrorSink& on_error) {
  if (line.empty()) return;
  if (!options_.record_prefix.empty()) {
    if (!line.starts_with(options_.record_prefix)) {
      ++stats_.missing_prefix;
      on_error({FramingErrorKind::kMissingPrefix,
                "audit record without the configured prefix dropped (" +
                    std::to_string(line.size()) + " bytes)"});
      return;
    }
    line.remove_prefix(options_.record_prefix.size());
  }
  ++stats_.records;
  on_record(line);
}

void AuditFramer::start_discarding(std::size_t seen, const ErrorSink& on_error) {
  ++stats_.too_long;
  discarding_ = true;
  pending_.clear();
  on_error({FramingErrorKind::kRecordTooLong, "audit record longer than " +
                                                  std::to_string(options_.max_record_bytes) +
                                                  " bytes dropped (" + std::to_string(seen) +
                                                  " bytes seen); skipping to the next newline"});
}

BoundedRecordQueue::BoundedRecordQueue(std::size_t max_records, std::size_t max_bytes)
    : max_records_(max_records), max_bytes_(max_bytes) {}

PushResult BoundedRecordQueue::push(std::string record) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return PushResult::kClosed;
    if (records_.size() >= max_records_ || record.size() > max_bytes_ - bytes_) {
      ++dropped_;
      return PushResult::kDroppedFull;
    }
    bytes_ += record.size();
    records_.push_back(std::move(record));
  }
  not_empty_.notify_one();
  return PushResult::kQueued;
}

std::optional<std::string> BoundedRecordQueue::try_pop() {
  std::lock_guard lock(mutex_);
  return take_front();
}

std::optional<std::string> BoundedRecordQueue::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  not_empty_.wait_for(lock, timeout, [this] { return !records_.empty() || closed_; });
  return take_front();
}

void BoundedRecordQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_empty_.notify_all();
}

uint64_t BoundedRecordQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::size_t BoundedRecordQueue::size() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

std::size_t BoundedRecordQueue::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::optional<std::string> BoundedRecordQueue::take_front() {
  if (records_.empty()) return std::nullopt;
  std::string record = std::move(records_.front());
  records_.pop_front();
  bytes_ -= record.size();
  return record;
}

}  // namespace panguard::vault
