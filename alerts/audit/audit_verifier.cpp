#include "alerts/audit/audit_verifier.h"

namespace panguard::alerts {

std::string ChainBreak::to_string() const {
  std::string out = file + ":" + std::to_string(line) + ": ";
  if (seq) out += "seq " + std::to_string(*seq) + ": ";
  return out + kind + ": " + detail;
}

void ChainVerifier::add_file(const std::string& display_name, std::string_view bytes,
                             std::optional<uint64_t> name_seq) {
  const std::size_t file = files_.size();
  files_.push_back({display_name, name_seq});
  std::size_t line_no = 0;
  while (!bytes.empty()) {
    const std::size_t end = bytes.find('\n');
    Entry entry;
    entry.file = file;
    entry.line = ++line_no;
    entry.truncated = end == std::string_view::npos;
    const std::string_view line = entry.truncated ? bytes : bytes.substr(0, end);
    entry.record = parse_record_line(line);
    bytes.remove_prefix(entry.truncated ? bytes.size() : end + 1);
    entries_.push_back(std::move(entry));
  }
}

ChainBreak ChainVerifier::at(const Entry& entry, std::string kind, std::string detail) const {
  return ChainBreak{std::move(kind), files_[entry.file].name, entry.line, entry.record.seq,
                    std::move(detail)};
}

// Whether the record at `index` carries on the chain as if the one before it were not there:
// the signature of an inserted line.
bool ChainVerifier::continues(std::size_t index, uint64_t expected_seq,
                              const std::string& last_hash) const {
  if (index >= entries_.size()) return false;
  const ParsedRecord& next = entries_[index].record;
  return next.error.empty() && next.seq == expected_seq && next.prev == last_hash;
}

std::optional<ChainBreak> ChainVerifier::check_checkpoint(const Entry& entry,
                                                          ChainReport& report) const {
  const Checkpoint& cp = *entry.record.checkpoint;
  ++report.checkpoints;
  if (cp.covers_seq + 1 != *entry.record.seq || cp.covers_hash != *entry.record.prev) {
    return at(entry, "modified", "checkpoint does not cover the record before it");
  }
  if (!options_.stream.empty() && cp.stream != options_.stream) {
    return at(entry, "modified",
              "checkpoint belongs to stream '" + cp.stream + "', not '" + options_.stream + "'");
  }
  if (options_.public_key) {
    if (cp.key_id != options_.public_key->key_id() ||
        !options_.public_key->verify(
            checkpoint_message(cp.stream, cp.covers_seq, cp.covers_hash, cp.time_ns),
            cp.signature)) {
      return at(entry, "bad-signature", "checkpoint signature does not verify with this key");
    }
    ++report.checkpoints_verified;
  }
  return std::nullopt;
}

ChainReport ChainVerifier::finish() const {
  ChainReport report;
  report.files = files_.size();
  report.last_hash = std::string(kGenesisHash);
  uint64_t expected = 1;
  std::string last_hash(kGenesisHash);
  if (!options_.from_genesis && !entries_.empty() && entries_[0].record.error.empty()) {
    expected = *entries_[0].record.seq;
    last_hash = *entries_[0].record.prev;
  }
  report.first_seq = expected;

  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    const ParsedRecord& r = entry.record;
    const auto fail = [&](ChainBreak problem) {
      report.problem = std::move(problem);
      return report;
    };
    if (entry.truncated) {
      return fail(at(entry, "truncated", "last line has no end (cut off mid-record)"));
    }
    if (!r.error.empty()) {
      if (continues(i + 1, expected, last_hash)) {
        return fail(at(entry, "inserted", "a line that is not part of the chain: " + r.error));
      }
      return fail(at(entry, "modified", r.error));
    }
    if (*r.seq < expected) {
      return fail(at(entry, "inserted",
                     "seq goes back (expected " + std::to_string(expected) +
                         "): a copied or replayed record"));
    }
    if (*r.seq > expected) {
      for (std::size_t j = i + 1; j < entries_.size(); ++j) {
        if (entries_[j].record.seq == expected) {
          return fail(at(entry, "reordered",
                         "expected seq " + std::to_string(expected) + ", which appears later at " +
                             files_[entries_[j].file].name + ":" +
                             std::to_string(entries_[j].line)));
        }
      }
      const std::string missing =
          *r.seq - 1 == expected ? std::to_string(expected)
                                 : std::to_string(expected) + ".." + std::to_string(*r.seq - 1);
      return fail(at(entry, "removed", "records " + missing + " are missing before this one"));
    }
    if (*r.prev != last_hash) {
      if (continues(i + 1, expected, last_hash)) {
        return fail(at(entry, "inserted", "a record that does not link to the chain"));
      }
      return fail(at(entry, "modified",
                     "prev does not match the hash of seq " + std::to_string(expected - 1) +
                         ": that record or this one was altered"));
    }
    const FileInfo& file = files_[entry.file];
    if (entry.line == 1 && file.name_seq && *file.name_seq != *r.seq) {
      return fail(at(entry, "renamed",
                     "file name says its first seq is " + std::to_string(*file.name_seq)));
    }
    if (r.kind == RecordKind::kCheckpoint) {
      if (auto problem = check_checkpoint(entry, report)) return fail(std::move(*problem));
      report.records_after_last_checkpoint = 0;
    } else {
      ++report.records_after_last_checkpoint;
    }
    ++report.records;
    report.last_seq = *r.seq;
    report.last_hash = *r.hash;
    last_hash = *r.hash;
    ++expected;
  }
  return report;
}

}  // namespace panguard::alerts
