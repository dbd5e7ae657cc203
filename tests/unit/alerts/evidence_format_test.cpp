// The evidence document's strict parser, the tenant box key files and the time bounds.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "alerts/evidence/evidence_time.h"
#include "alerts/evidence/new_file.h"
#include "evidence_fixture.h"

namespace panguard::alerts::evidence {
namespace {

class EvidenceFormatTest : public EvidenceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(write_stream("acme", seconds(3)));
    document_ = serialize_document(document_of(stream_lines("acme"), 0, 3, kT0, kT0 + kSecond * 2));
  }

  // A validly signed envelope around `document` bytes, verified after "opening": the signature
  // holds, so any refusal comes from the parser.
  EvidenceReport verify_signed(const std::string& document) const {
    const std::string envelope = make_envelope(node_.sign(signature_message(document)), document);
    VerifyOptions options;
    options.node_key = &node_;
    return verify_evidence_plaintext(envelope, tenant_key_.public_key().key_id(), options);
  }

  std::string expect_refused(const std::string& document, const std::string& kind) const {
    const EvidenceReport report = verify_signed(document);
    if (!report.problem) {
      ADD_FAILURE() << "accepted: " << document.substr(0, 200);
      return {};
    }
    EXPECT_EQ(report.problem->kind, kind) << report.problem->to_string();
    return report.problem->detail;
  }

  std::string with(std::string_view from, std::string_view to) const {
    std::string out = document_;
    const std::size_t at = out.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) out.replace(at, from.size(), to);
    return out;
  }

  std::string document_;
};

TEST_F(EvidenceFormatTest, CanonicalDocumentVerifies) {
  EXPECT_FALSE(verify_signed(document_).problem);
  EXPECT_TRUE(document_.starts_with("{\"created\":\"2026-11-29T10:00:00.000000000Z\","))
      << document_.substr(0, 80);
}

TEST_F(EvidenceFormatTest, RejectsDuplicateKeys) {
  const std::string detail =
      expect_refused(with("{\"created\":", "{\"tenant\":\"globex\",\"created\":"), "malformed");
  EXPECT_NE(detail.find("duplicate"), std::string::npos) << detail;
}

TEST_F(EvidenceFormatTest, RejectsUnknownVersionsAndFormats) {
  expect_refused(with("\"version\":1", "\"version\":2"), "unsupported-version");
  expect_refused(with("\"version\":1", "\"version\":\"1\""), "malformed");
  expect_refused(with("\"format\":\"panguard-evidence\"", "\"format\":\"other\""), "malformed");
}

TEST_F(EvidenceFormatTest, RejectsTrailingBytesWhitespaceAndUnknownKeys) {
  expect_refused(document_ + " ", "malformed");
  expect_refused(document_ + "{}", "malformed");
  expect_refused(document_ + "\n", "malformed");
  expect_refused(with("\"created\":", "\"created\" :"), "malformed");
  expect_refused(with("{\"created\":", "{\"comment\":\"x\",\"created\":"), "malformed");
  expect_refused(with("\"first_seq\":1,", ""), "malformed");
}

TEST_F(EvidenceFormatTest, RejectsNonCanonicalSpellings) {
  // The same instant with fewer fraction digits, and an escaped character that need not be.
  expect_refused(with("10:00:00.000000000Z", "10:00:00Z"), "malformed");
  expect_refused(with("\"tenant\":\"acme\"", "\"tenant\":\"\\u0061cme\""), "malformed");
  expect_refused(with("\"prev_hash\":\"0000", "\"prev_hash\":\"000"), "malformed");
}

TEST_F(EvidenceFormatTest, RejectsAShortEnvelopeAndNonJson) {
  VerifyOptions options;
  EXPECT_EQ(verify_evidence_plaintext(std::string(64, 'x'), "", options).problem->kind,
            "malformed");
  expect_refused("not json", "malformed");
  expect_refused("[]", "malformed");
}

// The fuzz target's document seeds must parse, or the fuzzer starts in front of the parser.
TEST(EvidenceFuzzSeedsTest, DocumentSeedsAreCanonicalDocuments) {
  const std::filesystem::path seeds =
      std::filesystem::path(PANGUARD_SOURCE_DIR) / "tests/fuzz/corpus/fuzz_evidence_bundle";
  int documents = 0;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    const std::string bytes = read_bytes(entry.path());
    ASSERT_FALSE(bytes.empty());
    if ((bytes[0] & 1) == 0) continue;  // a signed envelope, not a bare document
    const auto parsed = parse_document(std::string_view(bytes).substr(1));
    EXPECT_TRUE(std::holds_alternative<EvidenceDocument>(parsed))
        << entry.path() << ": " << std::get<EvidenceProblem>(parsed).to_string();
    ++documents;
  }
  EXPECT_GE(documents, 3);
}

TEST(TenantBoxKeyTest, TextRoundTripAndKeyIds) {
  const BoxSecretKey key = std::get<BoxSecretKey>(generate_box_key());
  const std::string secret_text = key.to_text();
  const std::string public_text = key.public_key().to_text();
  EXPECT_TRUE(secret_text.starts_with("panguard-box-secret:"));
  EXPECT_TRUE(public_text.starts_with("panguard-box-public:"));
  const auto secret = parse_box_secret_key(secret_text + "\n");
  ASSERT_TRUE(std::holds_alternative<BoxSecretKey>(secret));
  EXPECT_EQ(std::get<BoxSecretKey>(secret).public_key().bytes, key.public_key().bytes);
  const auto pub = parse_box_public_key(public_text);
  ASSERT_TRUE(std::holds_alternative<BoxPublicKey>(pub));
  EXPECT_EQ(std::get<BoxPublicKey>(pub).key_id(), key.public_key().key_id());
  EXPECT_EQ(key.public_key().key_id().size(), 16u);

  // One half is never taken for the other, and nothing but one clean line is accepted.
  EXPECT_TRUE(std::holds_alternative<KeyError>(parse_box_public_key(secret_text)));
  EXPECT_TRUE(std::holds_alternative<KeyError>(parse_box_secret_key(public_text)));
  EXPECT_TRUE(std::holds_alternative<KeyError>(parse_box_public_key(public_text + "\n\n")));
  EXPECT_TRUE(std::holds_alternative<KeyError>(parse_box_public_key(public_text + "AAAA")));
  EXPECT_TRUE(std::holds_alternative<KeyError>(
      parse_box_public_key(public_text.substr(0, public_text.size() - 4))));
  // The literal text works wherever a public key file does.
  EXPECT_TRUE(std::holds_alternative<BoxPublicKey>(load_box_public_key(public_text)));
}

TEST(TenantBoxKeyTest, SealOpensOnlyWithTheRecipientsKey) {
  const BoxSecretKey key = std::get<BoxSecretKey>(generate_box_key());
  const BoxSecretKey other = std::get<BoxSecretKey>(generate_box_key());
  const std::string sealed = seal_to(key.public_key(), "evidence");
  std::string plain;
  EXPECT_TRUE(key.open(sealed, plain));
  EXPECT_EQ(plain, "evidence");
  EXPECT_FALSE(other.open(sealed, plain));
  // An ephemeral sender key each time: sealing twice never gives the same bytes.
  EXPECT_NE(seal_to(key.public_key(), "evidence"), sealed);
}

TEST_F(EvidenceTest, KeyFilesAreWrittenOnceWithPrivateModes) {
  const std::string dir = (dir_ / "tenant-keys").string();
  ASSERT_EQ(write_box_key_pair(tenant_key_, dir), "");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "tenant-keys" / kBoxSecretKeyName).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "tenant-keys" / kBoxPublicKeyName).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_NE(write_box_key_pair(other_tenant_key_, dir), "");  // never overwritten

  const auto loaded = load_box_secret_key_file(dir + "/" + std::string(kBoxSecretKeyName));
  ASSERT_TRUE(std::holds_alternative<BoxSecretKey>(loaded));
  EXPECT_EQ(std::get<BoxSecretKey>(loaded).public_key().bytes, tenant_key_.public_key().bytes);
  const auto pub = load_box_public_key(dir + "/" + std::string(kBoxPublicKeyName));
  ASSERT_TRUE(std::holds_alternative<BoxPublicKey>(pub));
  EXPECT_EQ(std::get<BoxPublicKey>(pub).bytes, tenant_key_.public_key().bytes);

  ASSERT_EQ(::chmod((dir_ / "tenant-keys" / kBoxSecretKeyName).c_str(), 0640), 0);
  const auto exposed = load_box_secret_key_file(dir + "/" + std::string(kBoxSecretKeyName));
  ASSERT_TRUE(std::holds_alternative<KeyError>(exposed));
  EXPECT_NE(std::get<KeyError>(exposed).message.find("chmod 600"), std::string::npos);
}

TEST_F(EvidenceTest, NewFileNeverReplacesAndLeavesNoTemporaryFiles) {
  const std::string path = (dir_ / "out.pgev").string();
  ASSERT_EQ(write_new_file(path, "first", 0600), "");
  EXPECT_NE(write_new_file(path, "second", 0600).find("already exists"), std::string::npos);
  EXPECT_EQ(read_bytes(path), "first");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(EvidenceTimeTest, ParsesRfc3339AndUnixSeconds) {
  EXPECT_EQ(parse_time_bound("2026-11-29T10:00:00Z"), kT0);
  EXPECT_EQ(parse_time_bound("2026-11-29T10:00:00.5Z"), kT0 + kSecond / 2);
  EXPECT_EQ(parse_time_bound("1795946400"), kT0);
  EXPECT_EQ(parse_time_bound("0"), 0);
  EXPECT_FALSE(parse_time_bound(""));
  EXPECT_FALSE(parse_time_bound("-5"));
  EXPECT_FALSE(parse_time_bound("1795946400.5"));
  EXPECT_FALSE(parse_time_bound("2026-11-29T10:00:00+01:00"));
  EXPECT_FALSE(parse_time_bound("2026-11-29"));
  EXPECT_FALSE(parse_time_bound("99999999999999999999"));
}

}  // namespace
}  // namespace panguard::alerts::evidence
