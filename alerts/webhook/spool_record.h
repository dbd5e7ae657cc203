// Spool record framing: pure encode/decode, no I/O (the fuzz target drives scan_records).
//
// A segment file is a sequence of records, little-endian:
//   magic  u32  0x57474E50 ("PNGW")
//   length u32  payload bytes, 1 .. kMaxPayload
//   crc    u32  CRC-32C over the 4 length bytes and the payload
//   payload: type u8, then
//     kAlert: seq u64, id_len u16, id, json (the rest, non-empty)
//     kBatch: id_len u16, id, count u32, count × seq u64        (the alerts of one message)
//     kAck:   count u32, count × seq u64                        (alerts acknowledged)
// Ids are 1..128 bytes of [A-Za-z0-9._:-] (they travel in an HTTP header). Parsing is strict: a
// record whose checksum, type or shape is wrong is counted as corrupt and skipped, never
// repaired; after a bad frame the scanner looks for the next magic whose record checks out.
// A record cut short by the end of the bytes is a torn tail (a crash mid-append): scanning stops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace panguard::alerts::webhook {

inline constexpr uint32_t kRecordMagic = 0x57474E50u;
inline constexpr std::size_t kRecordHeaderBytes = 12;
inline constexpr uint32_t kMaxPayload = 16u << 20;
inline constexpr std::size_t kMaxIdBytes = 128;

enum class RecordType : uint8_t { kAlert = 1, kBatch = 2, kAck = 3 };

struct AlertRecord {
  uint64_t seq = 0;
  std::string id;
  std::string json;
  bool operator==(const AlertRecord&) const = default;
};

struct BatchRecord {
  std::string id;
  std::vector<uint64_t> seqs;
  bool operator==(const BatchRecord&) const = default;
};

struct AckRecord {
  std::vector<uint64_t> seqs;
  bool operator==(const AckRecord&) const = default;
};

using SpoolRecord = std::variant<AlertRecord, BatchRecord, AckRecord>;

bool valid_record_id(std::string_view id);

// Framed bytes of one record. Precondition (asserted): ids valid, json non-empty, seqs non-empty,
// payload within kMaxPayload.
std::string encode_record(const SpoolRecord& record);
// Size encode_record would produce for an alert record, without building it.
std::size_t encoded_alert_size(std::string_view id, std::string_view json);

struct ScanResult {
  std::vector<SpoolRecord> records;
  uint64_t corrupt = 0;       // bad frames / checksums / shapes skipped
  bool torn_tail = false;     // the bytes end inside a record
  std::size_t valid_end = 0;  // offset just past the last good record
};

ScanResult scan_records(std::string_view bytes);

}  // namespace panguard::alerts::webhook
