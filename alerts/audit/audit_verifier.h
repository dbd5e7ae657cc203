// Checks an audit stream (docs/alerts.md): every record's own hash, the seq/prev links between
// records and across files, file names against their first record, and checkpoints (their links,
// their stream name and, given the node's public key, their signatures). Stops at the first
// break and names it: where (file:line), which seq, and what most likely happened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/audit/audit_record.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts {

struct ChainBreak {
  // modified | removed | inserted | reordered | truncated | renamed | bad-signature
  std::string kind;
  std::string file;
  std::size_t line = 0;  // 1-based
  std::optional<uint64_t> seq;
  std::string detail;
  std::string to_string() const;  // "FILE:LINE: seq N: KIND: DETAIL"
};

struct ChainReport {
  std::size_t files = 0;
  std::size_t records = 0;
  std::size_t checkpoints = 0;
  std::size_t checkpoints_verified = 0;  // signatures checked with the public key
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // 0 when there are no records
  std::string last_hash;  // kGenesisHash when there are no records
  uint64_t records_after_last_checkpoint = 0;
  std::optional<ChainBreak> problem;
};

class ChainVerifier {
 public:
  struct Options {
    std::string stream;  // the directory name checkpoints must carry
    // true: a whole stream, which starts at seq 1 with prev = kGenesisHash. false: one file (or
    // a tail), trusted to start where its first record says.
    bool from_genesis = true;
    const NodeKey* public_key = nullptr;  // checkpoint signatures checked only when set
  };

  explicit ChainVerifier(Options options) : options_(std::move(options)) {}

  // Files in chain order. `name_seq`: the first seq the file name claims, if it has one.
  void add_file(const std::string& display_name, std::string_view bytes,
                std::optional<uint64_t> name_seq);
  ChainReport finish() const;

 private:
  struct Entry {
    std::size_t file = 0;
    std::size_t line = 0;
    bool truncated = false;  // last line of a file without its '\n'
    ParsedRecord record;
  };
  struct FileInfo {
    std::string name;
    std::optional<uint64_t> name_seq;
  };

  bool continues(std::size_t index, uint64_t expected_seq, const std::string& last_hash) const;
  ChainBreak at(const Entry& entry, std::string kind, std::string detail) const;
  std::optional<ChainBreak> check_checkpoint(const Entry& entry, ChainReport& report) const;

  Options options_;
  std::vector<FileInfo> files_;
  std::vector<Entry> entries_;
};

}  // namespace panguard::alerts
