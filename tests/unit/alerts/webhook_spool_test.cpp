#include "alerts/webhook/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "alerts/webhook/crc32c.h"
#include "alerts/webhook/spool_record.h"

namespace panguard::alerts::webhook {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pg-spool-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<fs::path> segments(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("seg-", 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(Crc32c, KnownAnswers) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(SpoolRecord, RoundTripsEveryType) {
  const std::vector<SpoolRecord> records = {AlertRecord{7, "a-1", R"({"x":1})"},
                                            BatchRecord{"batch_ab", {7, 8, 9}}, AckRecord{{7, 9}}};
  std::string bytes;
  for (const auto& r : records) bytes += encode_record(r);
  const ScanResult scan = scan_records(bytes);
  EXPECT_EQ(scan.records, records);
  EXPECT_EQ(scan.corrupt, 0u);
  EXPECT_FALSE(scan.torn_tail);
  EXPECT_EQ(scan.valid_end, bytes.size());
  EXPECT_EQ(encoded_alert_size("a-1", R"({"x":1})"),
            encode_record(AlertRecord{7, "a-1", R"({"x":1})"}).size());
}

TEST(SpoolRecord, TornTailAtEveryCutIsSkippedNeverMisparsed) {
  const std::string first = encode_record(AlertRecord{1, "a", "{}"});
  const std::string second = encode_record(AlertRecord{2, "b", R"({"long":"value"})"});
  for (std::size_t cut = 1; cut < second.size(); ++cut) {
    const ScanResult scan = scan_records(first + second.substr(0, cut));
    ASSERT_EQ(scan.records.size(), 1u) << cut;
    EXPECT_TRUE(scan.torn_tail) << cut;
    EXPECT_EQ(scan.corrupt, 0u) << cut;
    EXPECT_EQ(scan.valid_end, first.size());
  }
}

TEST(SpoolRecord, FlippedByteIsCountedAndTheNextRecordStillRead) {
  const std::string a = encode_record(AlertRecord{1, "a", R"({"k":"aaaa"})"});
  const std::string b = encode_record(AlertRecord{2, "b", R"({"k":"bbbb"})"});
  const std::string c = encode_record(AlertRecord{3, "c", R"({"k":"cccc"})"});
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::string bad = b;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    const ScanResult scan = scan_records(a + bad + c);
    ASSERT_EQ(scan.corrupt, 1u) << "byte " << i;
    ASSERT_EQ(scan.records.size(), 2u) << "byte " << i;
    EXPECT_EQ(std::get<AlertRecord>(scan.records[0]).seq, 1u);
    EXPECT_EQ(std::get<AlertRecord>(scan.records[1]).seq, 3u);
  }
}

TEST(SpoolRecord, ValidChecksumWithBadShapeIsCorrupt) {
  // Hand-framed payload: unknown type 9.
  std::string payload = "\x09zzz";
  std::string len = {4, 0, 0, 0};
  const uint32_t crc = crc32c(payload, crc32c(len));
  std::string bytes = "PNGW" + len;
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  bytes += payload;
  const ScanResult scan = scan_records(bytes + encode_record(AckRecord{{1}}));
  EXPECT_EQ(scan.corrupt, 1u);
  EXPECT_EQ(scan.records.size(), 1u);
}

TEST(SpoolRecord, IdsAreRestrictedToHeaderSafeCharacters) {
  EXPECT_TRUE(valid_record_id("1b4e28ba-2fa1-4d2b-883f-0016d3cca427"));
  EXPECT_FALSE(valid_record_id(""));
  EXPECT_FALSE(valid_record_id("a b"));
  EXPECT_FALSE(valid_record_id("a\r\nX-Evil: 1"));
  EXPECT_FALSE(valid_record_id(std::string(129, 'a')));
}

TEST(Spool, ReplaysUnacknowledgedAlertsAfterReopen) {
  TempDir dir;
  {
    Spool spool({dir.path(), 1 << 20, 0});
    uint64_t seq = 0;
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(spool.append_alert("id-" + std::to_string(i), "{}", seq), Spool::Append::kOk);
      EXPECT_EQ(seq, static_cast<uint64_t>(i + 1));
    }
    ASSERT_TRUE(spool.append_batch(BatchRecord{"batch_x", {4, 5}}));
    ASSERT_TRUE(spool.append_ack({1, 3}));
    EXPECT_EQ(spool.unacked(), 3u);
  }
  Spool spool({dir.path(), 1 << 20, 0});
  SpoolReplay replay = spool.take_replay();
  ASSERT_EQ(replay.pending.size(), 3u);
  EXPECT_EQ(replay.pending[0].id, "id-1");
  EXPECT_EQ(replay.pending[1].id, "id-3");
  EXPECT_EQ(replay.pending[2].id, "id-4");
  ASSERT_EQ(replay.batches.size(), 1u);
  EXPECT_EQ(replay.batches[0], (BatchRecord{"batch_x", {4, 5}}));
  EXPECT_EQ(replay.corrupt_records, 0u);
  // New alerts continue after the highest seq seen.
  uint64_t seq = 0;
  ASSERT_EQ(spool.append_alert("id-new", "{}", seq), Spool::Append::kOk);
  EXPECT_EQ(seq, 6u);
}

TEST(Spool, TornTailFromACrashIsSkipped) {
  TempDir dir;
  {
    Spool spool({dir.path(), 1 << 20, 0});
    uint64_t seq = 0;
    spool.append_alert("a", R"({"n":1})", seq);
    spool.append_alert("b", R"({"n":2})", seq);
  }
  auto files = segments(dir.path());
  ASSERT_EQ(files.size(), 1u);
  std::string bytes = read_all(files[0]);
  write_all(files[0], bytes.substr(0, bytes.size() - 3));  // the last append cut short
  Spool spool({dir.path(), 1 << 20, 0});
  const SpoolReplay replay = spool.take_replay();
  ASSERT_EQ(replay.pending.size(), 1u);
  EXPECT_EQ(replay.pending[0].id, "a");
  EXPECT_EQ(replay.torn_tails, 1u);
  EXPECT_EQ(replay.corrupt_records, 0u);
}

TEST(Spool, CorruptRecordIsCountedAndSkipped) {
  TempDir dir;
  {
    Spool spool({dir.path(), 1 << 20, 0});
    uint64_t seq = 0;
    for (const char* id : {"a", "b", "c"}) spool.append_alert(id, R"({"payload":"xxxx"})", seq);
  }
  auto files = segments(dir.path());
  std::string bytes = read_all(files[0]);
  const std::size_t record = encode_record(AlertRecord{1, "a", R"({"payload":"xxxx"})"}).size();
  bytes[record + record / 2] ^= 0x01;  // inside b's payload
  write_all(files[0], bytes);
  Spool spool({dir.path(), 1 << 20, 0});
  const SpoolReplay replay = spool.take_replay();
  ASSERT_EQ(replay.pending.size(), 2u);
  EXPECT_EQ(replay.pending[0].id, "a");
  EXPECT_EQ(replay.pending[1].id, "c");
  EXPECT_EQ(replay.corrupt_records, 1u);
}

TEST(Spool, FullSpoolRefusesWithoutWritingAndRecoversAfterAcks) {
  TempDir dir;
  Spool spool({dir.path(), 8192, 1024});
  const std::string json(200, 'x');
  uint64_t seq = 0;
  std::vector<uint64_t> seqs;
  while (spool.append_alert("id", json, seq) == Spool::Append::kOk) seqs.push_back(seq);
  EXPECT_GT(seqs.size(), 10u);
  EXPECT_LE(spool.bytes(), 8192u);
  const uint64_t bytes_when_full = spool.bytes();
  EXPECT_EQ(spool.append_alert("id", json, seq), Spool::Append::kFull);
  EXPECT_EQ(spool.bytes(), bytes_when_full);
  ASSERT_TRUE(spool.append_ack(seqs));
  // Fully acknowledged segments are deleted, so the spool has room again.
  EXPECT_LT(spool.bytes(), 2048u);
  EXPECT_EQ(spool.unacked(), 0u);
  EXPECT_EQ(spool.append_alert("id", json, seq), Spool::Append::kOk);
}

TEST(Spool, SegmentsAreDeletedOnlyOnceEverythingBeforeThemIsAcked) {
  TempDir dir;
  Spool spool({dir.path(), 1 << 20, 512});
  const std::string json(100, 'y');
  uint64_t seq = 0;
  for (int i = 0; i < 40; ++i) spool.append_alert("id", json, seq);
  const std::size_t before = spool.segment_count();
  ASSERT_GT(before, 4u);
  std::vector<uint64_t> all_but_first;
  for (uint64_t s = 2; s <= 40; ++s) all_but_first.push_back(s);
  spool.append_ack(all_but_first);
  EXPECT_GE(spool.segment_count(), before);  // seq 1 still pending: nothing may go
  spool.append_ack({1});
  EXPECT_LE(spool.segment_count(), 2u);
  // After reopen nothing is pending.
  spool.sync();
}

TEST(Spool, SecondOpenOfTheSameDirectoryIsRefused) {
  TempDir dir;
  Spool spool({dir.path(), 1 << 20, 0});
  EXPECT_THROW(Spool({dir.path(), 1 << 20, 0}), std::runtime_error);
}

TEST(Spool, AcknowledgedAlertsAreNotReplayed) {
  TempDir dir;
  {
    Spool spool({dir.path(), 1 << 20, 256});
    uint64_t seq = 0;
    std::vector<uint64_t> seqs;
    for (int i = 0; i < 30; ++i) {
      spool.append_alert("id-" + std::to_string(i), R"({"n":0})", seq);
      seqs.push_back(seq);
    }
    spool.append_ack(seqs);
  }
  Spool spool({dir.path(), 1 << 20, 256});
  EXPECT_TRUE(spool.take_replay().pending.empty());
  EXPECT_EQ(spool.unacked(), 0u);
}

}  // namespace
}  // namespace panguard::alerts::webhook
