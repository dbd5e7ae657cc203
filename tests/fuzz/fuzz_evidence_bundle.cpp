// libFuzzer target: the evidence document parser and verifier behind `panguard evidence
// verify`, i.e. everything after the sealed box is opened. The first byte picks the mode:
//   even: the rest is a signed envelope (64-byte signature || document), verified as is;
//   odd:  the rest is a document; when it parses, the harness re-signs it with its own node
//         key (naming that key and the recipient), so the chain, count, tenant and range
//         checks behind the signature are reached too.
// Whatever the bytes: no crash, a parsed document serializes back to exactly its bytes, and an
// accepted document satisfies every property verify promises.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alerts/audit/audit_record.h"
#include "alerts/evidence/evidence_bundle.h"
#include "alerts/evidence/evidence_record.h"
#include "alerts/evidence/evidence_verify.h"
#include "alerts/keys/node_key.h"

namespace {

using namespace panguard::alerts;
using namespace panguard::alerts::evidence;

constexpr std::string_view kRecipient = "0123456789abcdef";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

const NodeKey& harness_key() {
  static const NodeKey key = std::get<NodeKey>(generate_node_key());
  return key;
}

void check_accepted(const EvidenceReport& report) {
  if (report.problem) return;
  if (!report.document) fail("accepted without a document");
  const EvidenceDocument& doc = *report.document;
  if (doc.records.empty() || doc.record_count != doc.records.size()) fail("count");
  if (doc.recipient_key_id != kRecipient) fail("recipient");
  if (doc.from_ns > doc.to_ns) fail("bounds");
  uint64_t seq = doc.first_seq;
  std::string prev = doc.prev_hash;
  for (const std::string& line : doc.records) {
    const auto facts = read_record_facts(line);
    if (!std::holds_alternative<RecordFacts>(facts)) fail("accepted an unreadable record");
    const RecordFacts& record = std::get<RecordFacts>(facts);
    if (record.seq != seq || record.prev != prev) fail("accepted a broken chain");
    if (!belongs_to(record, doc.tenant)) fail("accepted a foreign record");
    if (record.time_ns < doc.from_ns || record.time_ns > doc.to_ns) fail("accepted out of range");
    prev = record.hash;
    ++seq;
  }
  if (report.last_hash != prev || report.last_seq + 1 != seq) fail("report disagrees");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  VerifyOptions options;
  if ((data[0] & 1) == 0) {
    check_accepted(verify_evidence_plaintext(input, kRecipient, options));
    options.tenant = "acme";
    check_accepted(verify_evidence_plaintext(input, kRecipient, options));
    return 0;
  }
  auto parsed = parse_document(input);
  if (!std::holds_alternative<EvidenceDocument>(parsed)) return 0;
  EvidenceDocument doc = std::get<EvidenceDocument>(std::move(parsed));
  if (serialize_document(doc) != input) fail("parsed document is not its own serialization");
  doc.node_public_key = harness_key().raw_public_key();
  doc.node_key_id = harness_key().key_id();
  doc.recipient_key_id = std::string(kRecipient);
  const std::string bytes = serialize_document(doc);
  const std::string envelope = make_envelope(harness_key().sign(signature_message(bytes)), bytes);
  options.node_key = &harness_key();
  const EvidenceReport report = verify_evidence_plaintext(envelope, kRecipient, options);
  check_accepted(report);
  // (A checkpoint record inside may still carry a bad signature; that names its record.)
  if (report.problem && report.problem->kind == "bad-signature" &&
      !report.problem->detail.starts_with("record ")) {
    fail("own signature refused");
  }
  return 0;
}
