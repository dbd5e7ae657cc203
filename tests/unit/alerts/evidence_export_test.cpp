// Evidence export on a real audit stream: what it selects, that verify accepts it, and what it
// refuses to export.
#include <gtest/gtest.h>

#include "alerts/audit/audit_hash.h"
#include "evidence_fixture.h"

namespace panguard::alerts::evidence {
namespace {

TEST_F(EvidenceTest, RoundTripCarriesTheRangeByteForByteWithItsChainLink) {
  // 20 alerts one second apart, a checkpoint after the 8th (at +7.5 s): seq 9 is the checkpoint.
  ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(20), 8));
  const std::vector<std::string> lines = stream_lines("acme");
  ASSERT_EQ(lines.size(), 21u);
  std::error_code ec;
  ASSERT_GE(list_audit_files(dir_ / "audit" / "acme", ec).size(), 3u) << "expected rotation";

  // Inclusive bounds: alerts at +5 s and +12 s are in, so seq 6..14 (8 alerts + the checkpoint).
  SelectedRecords selected;
  auto built = build_evidence(request("acme", kT0 + 5 * kSecond, kT0 + 12 * kSecond), &selected);
  ASSERT_TRUE(std::holds_alternative<std::string>(built)) << std::get<ExportError>(built).message;
  EXPECT_EQ(selected.first_seq, 6u);
  EXPECT_EQ(selected.stream_records, 21u);
  ASSERT_EQ(selected.records.size(), 9u);
  const std::vector<std::string> expected(lines.begin() + 5, lines.begin() + 14);
  EXPECT_EQ(selected.records, expected);
  EXPECT_EQ(selected.prev_hash, *parse_record_line(lines[4]).hash);

  const std::string& file = std::get<std::string>(built);
  EXPECT_TRUE(file.starts_with(kEvidenceMagic));
  // Sealed: no record content is visible in the file.
  EXPECT_EQ(file.find("acme"), std::string::npos);
  EXPECT_EQ(file.find("Vault path"), std::string::npos);

  const EvidenceReport report = verify(file, &node_, "acme");
  ASSERT_FALSE(report.problem) << report.problem->to_string();
  EXPECT_TRUE(report.signed_by_given_key);
  EXPECT_EQ(report.alerts, 8u);
  EXPECT_EQ(report.checkpoints, 1u);
  EXPECT_EQ(report.last_seq, 14u);
  EXPECT_EQ(report.last_hash, *parse_record_line(lines[13]).hash);
  ASSERT_TRUE(report.document);
  EXPECT_EQ(report.document->records, expected);
  EXPECT_EQ(report.document->from_ns, kT0 + 5 * kSecond);
  EXPECT_EQ(report.document->to_ns, kT0 + 12 * kSecond);
  EXPECT_EQ(report.document->created_ns, kT0 + 3600 * kSecond);

  // Without the node's public key it still verifies, but says the signer is unproven.
  const EvidenceReport embedded = verify(file, nullptr);
  EXPECT_FALSE(embedded.problem);
  EXPECT_FALSE(embedded.signed_by_given_key);
}

TEST_F(EvidenceTest, RangeFromTheFirstRecordLinksToGenesis) {
  ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(3)));
  SelectedRecords selected;
  auto built = build_evidence(request("acme", kT0 - kSecond, kT0), &selected);
  ASSERT_TRUE(std::holds_alternative<std::string>(built));
  EXPECT_EQ(selected.first_seq, 1u);
  EXPECT_EQ(selected.prev_hash, kGenesisHash);
  EXPECT_FALSE(verify(std::get<std::string>(built), &node_).problem);
}

TEST_F(EvidenceTest, ExportOfAnEscapedTenantIdFindsItsStream) {
  ASSERT_NO_FATAL_FAILURE(write_stream("team.a/b", seconds(4)));
  const std::string file = export_bytes("team.a/b", kT0, kT0 + 10 * kSecond);
  const EvidenceReport report = verify(file, &node_, "team.a/b");
  EXPECT_FALSE(report.problem) << report.problem->to_string();
  EXPECT_EQ(report.alerts, 4u);
}

TEST_F(EvidenceTest, RefusesToExportABrokenChain) {
  ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(10)));
  std::error_code ec;
  const auto files = list_audit_files(dir_ / "audit" / "acme", ec);
  ASSERT_FALSE(files.empty());
  std::string bytes = read_bytes(files.front().path);
  const std::size_t at = bytes.find("read #1");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 6] = '7';  // "read #7": the record no longer matches its hash
  std::ofstream(files.front().path, std::ios::binary | std::ios::trunc) << bytes;

  auto built = build_evidence(request("acme", kT0, kT0 + 100 * kSecond));
  ASSERT_TRUE(std::holds_alternative<ExportError>(built));
  const ExportError& error = std::get<ExportError>(built);
  EXPECT_FALSE(error.runtime);
  EXPECT_NE(error.message.find("does not verify"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("seq 2: modified"), std::string::npos) << error.message;
}

TEST_F(EvidenceTest, RefusesAnEmptyRangeAMissingStreamAndInvertedBounds) {
  ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(5)));
  auto empty = build_evidence(request("acme", kT0 + 100 * kSecond, kT0 + 200 * kSecond));
  ASSERT_TRUE(std::holds_alternative<ExportError>(empty));
  EXPECT_NE(std::get<ExportError>(empty).message.find("no records"), std::string::npos);
  EXPECT_FALSE(std::get<ExportError>(empty).runtime);

  auto missing = build_evidence(request("globex", kT0, kT0 + 10 * kSecond));
  ASSERT_TRUE(std::holds_alternative<ExportError>(missing));
  EXPECT_TRUE(std::get<ExportError>(missing).runtime);

  auto inverted = build_evidence(request("acme", kT0 + 2 * kSecond, kT0));
  ASSERT_TRUE(std::holds_alternative<ExportError>(inverted));
  EXPECT_FALSE(std::get<ExportError>(inverted).runtime);
}

TEST_F(EvidenceTest, RefusesARangeThatCutsThroughRecordsOutOfTimeOrder) {
  // Times +0, +1, +9, +3, +4: a range [+1, +4] would have to skip seq 3 (+9).
  ASSERT_NO_FATAL_FAILURE(write_stream(
      "acme", {kT0, kT0 + kSecond, kT0 + 9 * kSecond, kT0 + 3 * kSecond, kT0 + 4 * kSecond}));
  auto cut = build_evidence(request("acme", kT0 + kSecond, kT0 + 4 * kSecond));
  ASSERT_TRUE(std::holds_alternative<ExportError>(cut));
  EXPECT_NE(std::get<ExportError>(cut).message.find("seq 3"), std::string::npos)
      << std::get<ExportError>(cut).message;
  // Bounds beyond the stray record's time include it, and the export goes through.
  EXPECT_FALSE(verify(export_bytes("acme", kT0 + kSecond, kT0 + 9 * kSecond), &node_).problem);
}

TEST_F(EvidenceTest, ExportChecksCheckpointSignaturesWithTheNodeKey) {
  ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(6), 3));
  ExportRequest r = request("acme", kT0, kT0 + 10 * kSecond);
  r.node_key = &other_node_;  // not the key that signed the stream's checkpoint
  auto built = build_evidence(r);
  ASSERT_TRUE(std::holds_alternative<ExportError>(built));
  EXPECT_NE(std::get<ExportError>(built).message.find("bad-signature"), std::string::npos)
      << std::get<ExportError>(built).message;
}

}  // namespace
}  // namespace panguard::alerts::evidence
