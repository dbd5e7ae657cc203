// Evidence files that must not verify: the wrong key, any flipped byte, a cut-off file, and
// documents signed with a valid node signature that still lie (a record outside the range,
// removed, reordered or foreign records, a wrong count): those prove the checks behind the
// signature fire on their own.
#include <gtest/gtest.h>

#include "alerts/audit/audit_hash.h"
#include "evidence_fixture.h"

namespace panguard::alerts::evidence {
namespace {

class EvidenceTamperTest : public EvidenceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(12), 6));
    lines_ = stream_lines("acme");
    ASSERT_EQ(lines_.size(), 13u);
  }

  // Signs `doc` with the node key and seals it to the tenant, as export does.
  std::string seal(const EvidenceDocument& doc) const {
    return seal_evidence(doc, node_, tenant_key_.public_key());
  }

  std::string expect_problem(std::string_view file, const std::string& kind) const {
    const EvidenceReport report = verify(file, &node_);
    if (!report.problem) {
      ADD_FAILURE() << "verified, expected " << kind;
      return {};
    }
    EXPECT_EQ(report.problem->kind, kind) << report.problem->to_string();
    return report.problem->detail;
  }

  std::vector<std::string> lines_;
};

TEST_F(EvidenceTamperTest, HandMadeDocumentOfAnHonestSliceVerifies) {
  // The baseline the other hand-made documents differ from by one thing.
  const EvidenceReport report =
      verify(seal(document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond)), &node_);
  EXPECT_FALSE(report.problem) << report.problem->to_string();
}

TEST_F(EvidenceTamperTest, WrongRecipientKeyCannotOpenIt) {
  const std::string file = export_bytes("acme", kT0, kT0 + 20 * kSecond);
  VerifyOptions options;
  options.node_key = &node_;
  EvidenceReport report = verify_evidence_file(file, other_tenant_key_, options);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "wrong-recipient");
  EXPECT_FALSE(report.document);

  // Relabelled for the other key, the box still does not open with it.
  std::string relabelled = file;
  relabelled.replace(kEvidenceMagic.size() + 1, kKeyIdBytes,
                     other_tenant_key_.public_key().raw_key_id());
  report = verify_evidence_file(relabelled, other_tenant_key_, options);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "cannot-open");
}

TEST_F(EvidenceTamperTest, DocumentMadeForAnotherRecipientIsRefused) {
  // Another tenant's evidence re-sealed to this tenant: the signed document names its key.
  EvidenceDocument doc = document_of(lines_, 0, 3, kT0, kT0 + 2 * kSecond);
  doc.recipient_key_id = other_tenant_key_.public_key().key_id();
  expect_problem(seal(doc), "wrong-recipient");
}

TEST_F(EvidenceTamperTest, EveryFlippedByteIsDetected) {
  const std::string file = export_bytes("acme", kT0 + 3 * kSecond, kT0 + 9 * kSecond);
  ASSERT_FALSE(verify(file, &node_).problem);
  for (std::size_t i = 0; i < file.size(); ++i) {
    for (const int mask : {0x01, 0x80}) {
      std::string bent = file;
      bent[i] = static_cast<char>(bent[i] ^ mask);
      const EvidenceReport report = verify(bent, &node_);
      ASSERT_TRUE(report.problem) << "flip of byte " << i << " (mask " << mask
                                  << ") went unnoticed";
      // Header bytes fail on the header; the sealed part fails to open. Nothing gets further.
      EXPECT_FALSE(report.document) << "byte " << i << ": " << report.problem->to_string();
    }
  }
}

TEST_F(EvidenceTamperTest, TruncatedOrExtendedFileIsRefused) {
  const std::string file = export_bytes("acme", kT0, kT0 + 20 * kSecond);
  for (std::size_t size = 0; size < file.size(); size += (size < 64 ? 1 : 97)) {
    EXPECT_TRUE(verify(file.substr(0, size), &node_).problem) << "truncated to " << size;
  }
  EXPECT_TRUE(verify(file.substr(0, file.size() - 1), &node_).problem);
  EXPECT_EQ(verify(file + "x", &node_).problem->kind, "cannot-open");
}

TEST_F(EvidenceTamperTest, RecordOutsideTheDeclaredRangeIsFoundBehindAValidSignature) {
  // The records of +2..+8 s, declared as ending at +7 s: the last alert is outside.
  const std::string late = expect_problem(
      seal(document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 7 * kSecond)), "out-of-range");
  EXPECT_NE(late.find("seq 10"), std::string::npos) << late;
  // Declared as starting at +3 s: the first is outside.
  const std::string early = expect_problem(
      seal(document_of(lines_, 2, 8, kT0 + 3 * kSecond, kT0 + 8 * kSecond)), "out-of-range");
  EXPECT_NE(early.find("seq 3"), std::string::npos) << early;
}

TEST_F(EvidenceTamperTest, RemovedRecordBehindAValidSignature) {
  EvidenceDocument doc = document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond);
  doc.records.erase(doc.records.begin() + 3);
  doc.record_count = doc.records.size();
  expect_problem(seal(doc), "removed");

  // The first record dropped while the link still names the record before it.
  doc = document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond);
  doc.records.erase(doc.records.begin());
  doc.record_count = doc.records.size();
  expect_problem(seal(doc), "removed");

  // ... or with first_seq moved on but prev_hash left: the link does not hold.
  doc.first_seq += 1;
  expect_problem(seal(doc), "modified");
}

TEST_F(EvidenceTamperTest, ReorderedRecordsBehindAValidSignature) {
  EvidenceDocument doc = document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond);
  std::swap(doc.records[2], doc.records[3]);
  expect_problem(seal(doc), "reordered");
}

TEST_F(EvidenceTamperTest, EditedRecordBehindAValidSignature) {
  EvidenceDocument doc = document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond);
  const std::size_t at = doc.records[1].find("read #3");
  ASSERT_NE(at, std::string::npos);
  doc.records[1][at + 6] = '9';
  expect_problem(seal(doc), "modified");
}

TEST_F(EvidenceTamperTest, WrongCountBehindAValidSignature) {
  EvidenceDocument doc = document_of(lines_, 2, 8, kT0 + 2 * kSecond, kT0 + 8 * kSecond);
  doc.record_count = 9;
  expect_problem(seal(doc), "count-mismatch");
}

TEST_F(EvidenceTamperTest, AnotherTenantsRecordsAreRefused) {
  // globex's own stream, declared as acme's evidence (no checkpoints, so only the tenant check
  // can catch it).
  ASSERT_NO_FATAL_FAILURE(write_stream("globex", seconds(4)));
  const std::vector<std::string> globex = stream_lines("globex");
  const std::string detail =
      expect_problem(seal(document_of(globex, 0, 4, kT0, kT0 + 3 * kSecond)), "wrong-tenant");
  EXPECT_NE(detail.find("'globex'"), std::string::npos) << detail;

  // The document itself for a tenant other than --tenant.
  const std::string file =
      seal(document_of(globex, 0, 4, kT0, kT0 + 3 * kSecond, /*tenant=*/"globex"));
  EXPECT_FALSE(verify(file, &node_, "globex").problem);
  const EvidenceReport report = verify(file, &node_, "acme");
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "wrong-tenant");
}

TEST_F(EvidenceTamperTest, WrongNodeKeyIsRefused) {
  const std::string file = export_bytes("acme", kT0, kT0 + 20 * kSecond);
  const EvidenceReport report = verify(file, &other_node_);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, "wrong-node-key");

  // Signed by another key while naming the node's: the signature check catches it.
  const EvidenceDocument doc = document_of(lines_, 0, 4, kT0, kT0 + 3 * kSecond);
  const std::string forged = seal_evidence(doc, other_node_, tenant_key_.public_key());
  expect_problem(forged, "bad-signature");
  EXPECT_EQ(verify(forged, nullptr).problem->kind, "bad-signature");
}

}  // namespace
}  // namespace panguard::alerts::evidence
