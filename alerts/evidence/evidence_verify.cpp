#include "alerts/evidence/evidence_verify.h"

#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_verifier.h"
#include "alerts/evidence/evidence_file.h"
#include "alerts/evidence/evidence_record.h"
#include "rules/event_json.h"

namespace panguard::alerts::evidence {
namespace {

EvidenceReport fail(EvidenceReport& report, std::string kind, std::string detail) {
  report.problem = EvidenceProblem{std::move(kind), std::move(detail)};
  return report;
}

std::string where(std::size_t index, uint64_t seq) {
  return "record " + std::to_string(index + 1) + " (seq " + std::to_string(seq) + ")";
}

// The chain of the slice, checked by the audit verifier itself (so evidence and `audit verify`
// agree on what a chain is), then tied to the declared link.
bool check_chain(const EvidenceDocument& doc, const std::string& stream, const NodeKey& key,
                 EvidenceReport& report) {
  std::string bytes;
  for (std::size_t i = 0; i < doc.records.size(); ++i) {
    if (doc.records[i].find('\n') != std::string::npos) {
      fail(report, "modified", "record " + std::to_string(i + 1) + " contains a line break");
      return false;
    }
    bytes += doc.records[i];
    bytes += '\n';
  }
  ChainVerifier verifier({stream, /*from_genesis=*/false, &key});
  verifier.add_file("record", bytes, std::nullopt);
  const ChainReport chain = verifier.finish();
  if (chain.problem) {
    const ChainBreak& problem = *chain.problem;
    std::string at = "record " + std::to_string(problem.line);
    if (problem.seq) at += " (seq " + std::to_string(*problem.seq) + ")";
    fail(report, problem.kind, at + ": " + problem.detail);
    return false;
  }
  const ParsedRecord first = parse_record_line(doc.records.front());
  if (first.seq != doc.first_seq) {
    fail(report, "removed",
         "the first record is seq " + std::to_string(*first.seq) + ", the document says " +
             std::to_string(doc.first_seq));
    return false;
  }
  if (first.prev != doc.prev_hash || (doc.first_seq == 1 && doc.prev_hash != kGenesisHash)) {
    fail(report, "modified", "the first record does not link to prev_hash");
    return false;
  }
  report.checkpoints = chain.checkpoints_verified;
  report.last_seq = chain.last_seq;
  report.last_hash = chain.last_hash;
  return true;
}

}  // namespace

EvidenceReport verify_evidence_plaintext(std::string_view plaintext,
                                         std::string_view recipient_key_id,
                                         const VerifyOptions& options) {
  EvidenceReport report;
  const auto envelope = split_envelope(plaintext);
  if (!envelope) return fail(report, "malformed", "signed envelope too short");
  auto parsed = parse_document(envelope->document);
  if (auto* problem = std::get_if<EvidenceProblem>(&parsed)) {
    report.problem = std::move(*problem);
    return report;
  }
  const EvidenceDocument& doc = report.document.emplace(std::get<EvidenceDocument>(parsed));

  if (doc.recipient_key_id != recipient_key_id) {
    return fail(report, "wrong-recipient",
                "the document was made for tenant box key " + doc.recipient_key_id +
                    ", but was sealed to " + std::string(recipient_key_id));
  }
  auto embedded = public_key_from_raw(doc.node_public_key);
  if (auto* error = std::get_if<KeyError>(&embedded)) {
    return fail(report, "malformed", "node_public_key: " + error->message);
  }
  const NodeKey& embedded_key = std::get<NodeKey>(embedded);
  if (embedded_key.key_id() != doc.node_key_id) {
    return fail(report, "malformed", "node_key_id does not name node_public_key");
  }
  if (options.node_key && options.node_key->raw_public_key() != doc.node_public_key) {
    return fail(report, "wrong-node-key",
                "signed by node key " + doc.node_key_id + ", not by the given key " +
                    options.node_key->key_id());
  }
  const NodeKey& signer = options.node_key ? *options.node_key : embedded_key;
  if (!signer.verify(signature_message(envelope->document), envelope->signature)) {
    return fail(report, "bad-signature", "the node key's signature does not match the document");
  }
  report.signed_by_given_key = options.node_key != nullptr;

  if (options.tenant && *options.tenant != doc.tenant) {
    return fail(report, "wrong-tenant",
                "the evidence is tenant '" + doc.tenant + "''s, not '" + *options.tenant + "'");
  }
  if (doc.from_ns > doc.to_ns) return fail(report, "malformed", "from is after to");
  if (doc.record_count != doc.records.size()) {
    return fail(report, "count-mismatch",
                "the document declares " + std::to_string(doc.record_count) +
                    " records and holds " + std::to_string(doc.records.size()));
  }
  if (doc.records.empty()) return fail(report, "malformed", "no records");
  const auto stream = escape_tenant(doc.tenant);
  if (!stream) return fail(report, "malformed", "tenant id too long");
  if (!check_chain(doc, *stream, signer, report)) return report;

  for (std::size_t i = 0; i < doc.records.size(); ++i) {
    auto facts = read_record_facts(doc.records[i]);
    if (auto* error = std::get_if<std::string>(&facts)) {
      return fail(report, "malformed", "record " + std::to_string(i + 1) + ": " + *error);
    }
    const RecordFacts& record = std::get<RecordFacts>(facts);
    if (!belongs_to(record, doc.tenant)) {
      return fail(report, "wrong-tenant",
                  where(i, record.seq) + " belongs to " +
                      (record.owner ? "'" + *record.owner + "'" : std::string("no tenant")) +
                      ", not to '" + doc.tenant + "'");
    }
    if (record.time_ns < doc.from_ns || record.time_ns > doc.to_ns) {
      return fail(report, "out-of-range",
                  where(i, record.seq) + " has time " + rules::format_rfc3339_utc(record.time_ns) +
                      ", outside " + rules::format_rfc3339_utc(doc.from_ns) + " .. " +
                      rules::format_rfc3339_utc(doc.to_ns));
    }
    if (record.kind == RecordKind::kAlert) ++report.alerts;
  }
  return report;
}

EvidenceReport verify_evidence_file(std::string_view file, const BoxSecretKey& key,
                                    const VerifyOptions& options) {
  auto opened = open_evidence(file, key);
  if (auto* problem = std::get_if<EvidenceProblem>(&opened)) {
    EvidenceReport report;
    report.problem = std::move(*problem);
    return report;
  }
  const OpenedEvidence& evidence = std::get<OpenedEvidence>(opened);
  return verify_evidence_plaintext(evidence.plaintext, evidence.recipient_key_id, options);
}

}  // namespace panguard::alerts::evidence
