#include "alerts/webhook/spool_record.h"

#include <cassert>
#include <cstring>
#include <optional>

#include "alerts/webhook/crc32c.h"

namespace panguard::alerts::webhook {
namespace {

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Reads fields front to back; any overrun marks it failed.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  uint64_t uint(int width) {
    if (!ok_ || bytes_.size() - pos_ < static_cast<std::size_t>(width)) {
      ok_ = false;
      return 0;
    }
    const uint64_t v = get_le(bytes_.data() + pos_, width);
    pos_ += static_cast<std::size_t>(width);
    return v;
  }
  std::string_view take(std::size_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    const auto v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string_view rest() { return take(bytes_.size() - pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

std::optional<std::vector<uint64_t>> read_seqs(Reader& reader) {
  const uint64_t count = reader.uint(4);
  if (!reader.ok() || count == 0) return std::nullopt;
  std::vector<uint64_t> seqs;
  const std::string_view raw = reader.take(count * 8);  // count < 2^32, no overflow
  if (!reader.ok() || !reader.at_end()) return std::nullopt;
  seqs.reserve(count);
  for (uint64_t i = 0; i < count; ++i) seqs.push_back(get_le(raw.data() + i * 8, 8));
  return seqs;
}

std::optional<std::string> read_id(Reader& reader) {
  const uint64_t len = reader.uint(2);
  const std::string_view id = reader.take(len);
  if (!reader.ok() || !valid_record_id(id)) return std::nullopt;
  return std::string(id);
}

std::optional<SpoolRecord> decode_payload(std::string_view payload) {
  Reader reader(payload);
  const auto type = static_cast<RecordType>(reader.uint(1));
  switch (type) {
    case RecordType::kAlert: {
      AlertRecord record;
      record.seq = reader.uint(8);
      auto id = read_id(reader);
      if (!id) return std::nullopt;
      record.id = std::move(*id);
      const std::string_view json = reader.rest();
      if (!reader.ok() || json.empty()) return std::nullopt;
      record.json = std::string(json);
      return record;
    }
    case RecordType::kBatch: {
      BatchRecord record;
      auto id = read_id(reader);
      if (!id) return std::nullopt;
      record.id = std::move(*id);
      auto seqs = read_seqs(reader);
      if (!seqs) return std::nullopt;
      record.seqs = std::move(*seqs);
      return record;
    }
    case RecordType::kAck: {
      auto seqs = read_seqs(reader);
      if (!seqs) return std::nullopt;
      return AckRecord{std::move(*seqs)};
    }
  }
  return std::nullopt;
}

std::string frame(std::string payload) {
  assert(!payload.empty() && payload.size() <= kMaxPayload);
  std::string out;
  out.reserve(kRecordHeaderBytes + payload.size());
  put_u32(out, kRecordMagic);
  std::string length;
  put_u32(length, static_cast<uint32_t>(payload.size()));
  out += length;
  put_u32(out, crc32c(payload, crc32c(length)));
  out += payload;
  return out;
}

void put_id(std::string& out, const std::string& id) {
  assert(valid_record_id(id));
  put_u16(out, static_cast<uint16_t>(id.size()));
  out += id;
}

void put_seqs(std::string& out, const std::vector<uint64_t>& seqs) {
  assert(!seqs.empty());
  put_u32(out, static_cast<uint32_t>(seqs.size()));
  for (uint64_t seq : seqs) put_u64(out, seq);
}

// Offset of the first position at or after `from` holding a whole frame with a good checksum;
// bytes.size() when there is none.
std::size_t next_intact_frame(std::string_view bytes, std::size_t from) {
  constexpr std::string_view kMagic("PNGW", 4);
  for (std::size_t pos = bytes.find(kMagic, from); pos != std::string_view::npos;
       pos = bytes.find(kMagic, pos + 1)) {
    if (bytes.size() - pos < kRecordHeaderBytes) break;
    const char* p = bytes.data() + pos;
    const auto length = static_cast<uint32_t>(get_le(p + 4, 4));
    if (length == 0 || length > kMaxPayload || bytes.size() - pos - kRecordHeaderBytes < length) {
      continue;
    }
    const auto crc = static_cast<uint32_t>(get_le(p + 8, 4));
    if (crc == crc32c(std::string_view(p + kRecordHeaderBytes, length),
                      crc32c(std::string_view(p + 4, 4)))) {
      return pos;
    }
  }
  return bytes.size();
}

}  // namespace

bool valid_record_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::size_t encoded_alert_size(std::string_view id, std::string_view json) {
  return kRecordHeaderBytes + 1 + 8 + 2 + id.size() + json.size();
}

std::string encode_record(const SpoolRecord& record) {
  std::string payload;
  if (const auto* alert = std::get_if<AlertRecord>(&record)) {
    assert(!alert->json.empty());
    payload.reserve(1 + 8 + 2 + alert->id.size() + alert->json.size());
    payload.push_back(static_cast<char>(RecordType::kAlert));
    put_u64(payload, alert->seq);
    put_id(payload, alert->id);
    payload += alert->json;
  } else if (const auto* batch = std::get_if<BatchRecord>(&record)) {
    payload.push_back(static_cast<char>(RecordType::kBatch));
    put_id(payload, batch->id);
    put_seqs(payload, batch->seqs);
  } else {
    payload.push_back(static_cast<char>(RecordType::kAck));
    put_seqs(payload, std::get<AckRecord>(record).seqs);
  }
  return frame(std::move(payload));
}

ScanResult scan_records(std::string_view bytes) {
  ScanResult result;
  std::size_t offset = 0;
  bool in_bad_run = false;  // consecutive bad bytes count as one corrupt record
  auto skip_bad = [&](std::size_t from) {
    if (!in_bad_run) ++result.corrupt;
    in_bad_run = true;
    char magic[4];
    std::memcpy(magic, "PNGW", 4);
    const std::size_t next = bytes.find(std::string_view(magic, 4), from + 1);
    offset = next == std::string_view::npos ? bytes.size() : next;
  };
  while (offset < bytes.size()) {
    const std::size_t left = bytes.size() - offset;
    if (left < kRecordHeaderBytes) {
      // A header cut short: the tail of a crashed append, or the end of a bad run.
      if (!in_bad_run) result.torn_tail = true;
      break;
    }
    const char* p = bytes.data() + offset;
    const auto magic = static_cast<uint32_t>(get_le(p, 4));
    const auto length = static_cast<uint32_t>(get_le(p + 4, 4));
    if (magic != kRecordMagic || length == 0 || length > kMaxPayload) {
      skip_bad(offset);
      continue;
    }
    if (left - kRecordHeaderBytes < length) {
      // Either the tail of a crashed append, or a damaged length field. Only a torn tail has no
      // intact record after it.
      if (const std::size_t next = next_intact_frame(bytes, offset + 1); next != bytes.size()) {
        if (!in_bad_run) ++result.corrupt;
        in_bad_run = true;
        offset = next;
        continue;
      }
      if (!in_bad_run) result.torn_tail = true;
      break;
    }
    const auto crc = static_cast<uint32_t>(get_le(p + 8, 4));
    const std::string_view payload(p + kRecordHeaderBytes, length);
    if (crc != crc32c(payload, crc32c(std::string_view(p + 4, 4)))) {
      skip_bad(offset);
      continue;
    }
    in_bad_run = false;
    offset += kRecordHeaderBytes + length;
    if (auto record = decode_payload(payload)) {
      result.records.push_back(std::move(*record));
      result.valid_end = offset;
    } else {
      ++result.corrupt;  // framing and checksum fine, contents not a record we write
    }
  }
  return result;
}

}  // namespace panguard::alerts::webhook
