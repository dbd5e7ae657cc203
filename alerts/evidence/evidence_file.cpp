#include "alerts/evidence/evidence_file.h"

#include "alerts/audit/audit_hash.h"

namespace panguard::alerts::evidence {

std::string seal_evidence(const EvidenceDocument& document, const NodeKey& signer,
                          const BoxPublicKey& recipient) {
  const std::string bytes = serialize_document(document);
  const std::string signature = signer.sign(signature_message(bytes));
  if (signature.size() != kSignatureBytes) return {};
  std::string file(kEvidenceMagic);
  file += static_cast<char>(kEvidenceFileVersion);
  file += recipient.raw_key_id();
  file += seal_to(recipient, make_envelope(signature, bytes));
  return file;
}

std::variant<OpenedEvidence, EvidenceProblem> open_evidence(std::string_view file,
                                                            const BoxSecretKey& key) {
  if (file.size() < kEvidenceHeaderBytes || !file.starts_with(kEvidenceMagic)) {
    return EvidenceProblem{"malformed", "not a panguard evidence file (bad magic or too short)"};
  }
  const auto version = static_cast<unsigned char>(file[kEvidenceMagic.size()]);
  if (version != kEvidenceFileVersion) {
    return EvidenceProblem{"unsupported-version", "evidence file version " +
                                                      std::to_string(version) +
                                                      " (this panguard reads version " +
                                                      std::to_string(kEvidenceFileVersion) + ")"};
  }
  OpenedEvidence out;
  out.recipient_key_id = to_hex(file.substr(kEvidenceMagic.size() + 1, kKeyIdBytes));
  if (out.recipient_key_id != key.public_key().key_id()) {
    return EvidenceProblem{"wrong-recipient", "sealed to tenant box key " + out.recipient_key_id +
                                                  ", not to this key (" +
                                                  key.public_key().key_id() + ")"};
  }
  if (!key.open(file.substr(kEvidenceHeaderBytes), out.plaintext)) {
    return EvidenceProblem{"cannot-open",
                           "the sealed box does not open with this key: the file was altered "
                           "or sealed to another key"};
  }
  return out;
}

}  // namespace panguard::alerts::evidence
