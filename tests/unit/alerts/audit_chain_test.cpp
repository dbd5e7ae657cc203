// The audit record format and the chain verifier, on in-memory streams.
#include <gtest/gtest.h>

#include "alerts/audit/audit_hash.h"
#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_record.h"
#include "alerts/audit/audit_verifier.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts {
namespace {

std::vector<std::string> chain(std::size_t n, uint64_t first = 1,
                               std::string prev = std::string(kGenesisHash)) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < n; ++i) {
    RecordLine r = make_record_line(first + i, prev, "alert",
                                    "{\"rule\":\"r\",\"n\":" + std::to_string(first + i) + "}");
    prev = r.hash;
    lines.push_back(r.line);
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

ChainReport verify(const std::string& bytes, bool from_genesis = true) {
  ChainVerifier verifier({"acme", from_genesis, nullptr});
  verifier.add_file("f", bytes, std::nullopt);
  return verifier.finish();
}

TEST(AuditRecordTest, HashIsSha256OfTheLineBeforeTheHashField) {
  const RecordLine r = make_record_line(7, kGenesisHash, "alert", "{\"a\":1}");
  const std::string expected_content =
      "{\"seq\":7,\"prev\":\"" + std::string(kGenesisHash) + "\",\"alert\":{\"a\":1}";
  EXPECT_EQ(r.hash, sha256_hex(expected_content));
  EXPECT_EQ(r.line, expected_content + ",\"hash\":\"" + r.hash + "\"}\n");
  const ParsedRecord parsed = parse_record_line(r.line.substr(0, r.line.size() - 1));
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.seq, 7u);
  EXPECT_EQ(parsed.prev, std::string(kGenesisHash));
  EXPECT_EQ(parsed.hash, r.hash);
}

TEST(AuditRecordTest, RejectsNonCanonicalSeqAndBadJson) {
  EXPECT_NE(
      parse_record_line("{\"seq\":01,\"prev\":\"" + std::string(kGenesisHash) + "\",\"alert\":{}")
          .error,
      "");
  // Content with a valid hash but not JSON.
  const std::string content =
      "{\"seq\":1,\"prev\":\"" + std::string(kGenesisHash) + "\",\"alert\":{nope";
  EXPECT_EQ(parse_record_line(content + ",\"hash\":\"" + sha256_hex(content) + "\"}").error,
            "record is not valid JSON");
}

TEST(AuditVerifierTest, IntactChainVerifies) {
  const ChainReport report = verify(join(chain(10)));
  EXPECT_FALSE(report.problem) << report.problem->to_string();
  EXPECT_EQ(report.records, 10u);
  EXPECT_EQ(report.last_seq, 10u);
}

TEST(AuditVerifierTest, EditedByteIsModifiedAtThatLine) {
  auto lines = chain(10);
  lines[4][lines[4].find("\"n\":5") + 4] = '6';
  const ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "modified");
  EXPECT_EQ(report.problem->line, 5u);
  EXPECT_EQ(report.problem->seq, 5u);
}

TEST(AuditVerifierTest, RecomputedHashBreaksTheNextLink) {
  auto lines = chain(10);
  // An attacker who rewrites record 5 and recomputes its hash.
  const ParsedRecord r4 = parse_record_line(lines[3].substr(0, lines[3].size() - 1));
  lines[4] = make_record_line(5, *r4.hash, "alert", "{\"rule\":\"x\"}").line;
  const ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "modified");
  EXPECT_EQ(report.problem->line, 6u);
  EXPECT_EQ(report.problem->seq, 6u);
}

TEST(AuditVerifierTest, DeletedLineIsRemoved) {
  auto lines = chain(10);
  lines.erase(lines.begin() + 3);
  const ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "removed");
  EXPECT_EQ(report.problem->line, 4u);
  EXPECT_EQ(report.problem->seq, 5u);
}

TEST(AuditVerifierTest, InsertedJunkAndInsertedCopy) {
  auto lines = chain(10);
  lines.insert(lines.begin() + 6, "{\"seq\":99}\n");
  ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "inserted");
  EXPECT_EQ(report.problem->line, 7u);

  lines = chain(10);
  lines.insert(lines.begin() + 6, lines[1]);
  report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "inserted");
  EXPECT_EQ(report.problem->line, 7u);
  EXPECT_EQ(report.problem->seq, 2u);
}

TEST(AuditVerifierTest, SwappedLinesAreReordered) {
  auto lines = chain(10);
  std::swap(lines[2], lines[3]);
  const ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "reordered");
  EXPECT_EQ(report.problem->line, 3u);
  EXPECT_EQ(report.problem->seq, 4u);
}

TEST(AuditVerifierTest, CutLineIsTruncated) {
  std::string bytes = join(chain(5));
  bytes.resize(bytes.size() - 30);
  const ChainReport report = verify(bytes);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "truncated");
  EXPECT_EQ(report.problem->line, 5u);
}

TEST(AuditVerifierTest, MissingFirstRecordsOnlyMatterFromGenesis) {
  auto lines = chain(10);
  lines.erase(lines.begin(), lines.begin() + 3);
  EXPECT_FALSE(verify(join(lines), /*from_genesis=*/false).problem);
  const ChainReport report = verify(join(lines));
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "removed");
  EXPECT_EQ(report.problem->detail, "records 1..3 are missing before this one");
}

TEST(AuditVerifierTest, MissingMiddleFileIsRemovedAtTheNextFile) {
  const auto lines = chain(9);
  ChainVerifier verifier({"acme", true, nullptr});
  verifier.add_file("a", join({lines.begin(), lines.begin() + 3}), 1);
  verifier.add_file("c", join({lines.begin() + 6, lines.end()}), 7);
  const ChainReport report = verifier.finish();
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->to_string(),
            "c:1: seq 7: removed: records 4..6 are missing before this one");
}

TEST(AuditVerifierTest, SignedCheckpointsVerifyOnlyWithTheRightKey) {
  const NodeKey key = std::get<NodeKey>(generate_node_key());
  const NodeKey other = std::get<NodeKey>(generate_node_key());
  auto lines = chain(3);
  const ParsedRecord last = parse_record_line(lines[2].substr(0, lines[2].size() - 1));
  const std::string sig = key.sign(checkpoint_message("acme", 3, *last.hash, 42));
  ASSERT_EQ(sig.size(), 64u);
  const std::string body = "{\"stream\":\"acme\",\"covers_seq\":3,\"covers_hash\":\"" + *last.hash +
                           "\",\"time\":\"x\",\"time_ns\":42,\"key_id\":\"" + key.key_id() +
                           "\",\"signature\":\"" + to_hex(sig) + "\"}";
  lines.push_back(make_record_line(4, *last.hash, "checkpoint", body).line);

  ChainVerifier good({"acme", true, &key});
  good.add_file("f", join(lines), 1);
  const ChainReport ok = good.finish();
  EXPECT_FALSE(ok.problem) << ok.problem->to_string();
  EXPECT_EQ(ok.checkpoints_verified, 1u);

  ChainVerifier wrong_key({"acme", true, &other});
  wrong_key.add_file("f", join(lines), 1);
  ASSERT_TRUE(wrong_key.finish().problem);
  EXPECT_EQ(wrong_key.finish().problem->kind, "bad-signature");

  // Moved into another tenant's directory: the checkpoint names its own stream.
  ChainVerifier moved({"globex", true, &key});
  moved.add_file("f", join(lines), 1);
  ASSERT_TRUE(moved.finish().problem);
  EXPECT_EQ(moved.finish().problem->kind, "modified");
}

TEST(AuditPathsTest, EscapedTenantsNeverCollideWithPlatformOrDots) {
  EXPECT_EQ(escape_tenant("acme-1_x"), "acme-1_x");
  EXPECT_EQ(escape_tenant("a.b/c"), "a%2Eb%2Fc");
  EXPECT_EQ(escape_tenant(".."), "%2E%2E");
  EXPECT_EQ(escape_tenant("@platform"), "%40platform");
  EXPECT_NE(escape_tenant("@platform"), std::string(kPlatformStream));
  EXPECT_EQ(escape_tenant(""), "%");
  EXPECT_EQ(escape_tenant("%"), "%25");
  EXPECT_FALSE(escape_tenant(std::string(300, 'a')));
  EXPECT_EQ(audit_file_name(12), "audit-00000000000000000012.jsonl");
  EXPECT_EQ(parse_audit_file_name("audit-00000000000000000012.jsonl"), 12u);
  EXPECT_FALSE(parse_audit_file_name("audit-12.jsonl"));
}

}  // namespace
}  // namespace panguard::alerts
