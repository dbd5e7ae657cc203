// One line of an audit file, byte for byte (docs/alerts.md, "Audit files"):
//
//   {"seq":N,"prev":"<64 hex>","alert":{...}|"checkpoint":{...},"hash":"<64 hex>"}\n
//
// `content` is the line up to, not including, the fixed 75-byte tail `,"hash":"<64 hex>"}`.
// hash = lower-case hex SHA-256(content). Because content starts with seq and prev, each hash
// covers the previous record's hash: prev of record N is the hash of record N-1, and the first
// record of a stream has prev = 64 zeros (kGenesisHash). The verifier works on these bytes only;
// it never re-serializes JSON, so no canonicalization question arises.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace panguard::alerts {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::size_t kHashTailSize = 75;  // ,"hash":" + 64 hex + "}

struct RecordLine {
  std::string line;  // with the trailing '\n'
  std::string hash;
};

// `kind` is "alert" or "checkpoint"; `body_json` one JSON object, written as is.
RecordLine make_record_line(uint64_t seq, std::string_view prev, std::string_view kind,
                            std::string_view body_json);

enum class RecordKind { kAlert, kCheckpoint };

struct Checkpoint {
  std::string stream;
  uint64_t covers_seq = 0;
  std::string covers_hash;
  int64_t time_ns = 0;
  std::string key_id;
  std::string signature;  // raw 64 bytes
};

// What parse_record_line found. `error` empty: the line is well-formed and its hash matches.
struct ParsedRecord {
  std::optional<uint64_t> seq;  // read from the prefix when that much is intact
  std::optional<std::string> prev;
  std::optional<std::string> hash;  // the hash field as written
  RecordKind kind = RecordKind::kAlert;
  std::optional<Checkpoint> checkpoint;
  std::string error;  // why the record does not verify on its own
};

// `line` without its '\n'. Untrusted input: any bytes.
ParsedRecord parse_record_line(std::string_view line);

// The bytes a checkpoint signature covers.
std::string checkpoint_message(std::string_view stream, uint64_t covers_seq,
                               std::string_view covers_hash, int64_t time_ns);

}  // namespace panguard::alerts
