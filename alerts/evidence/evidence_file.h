// The evidence file on disk: a small clear header, then the sealed box (libsodium
// crypto_box_seal to the tenant's X25519 key) holding the signed envelope (evidence_bundle.h).
//
//   magic "PGEVIDNC" (8 bytes) | version (1 byte, = 1) | recipient key id (8 bytes) | sealed box
//
// The header only says which key can open the file; it is not trusted: the signed document
// names the recipient key id again, and verify requires the two to agree.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "alerts/evidence/evidence_bundle.h"
#include "alerts/evidence/tenant_box_key.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts::evidence {

inline constexpr std::string_view kEvidenceMagic = "PGEVIDNC";
inline constexpr unsigned char kEvidenceFileVersion = 1;
inline constexpr std::size_t kEvidenceHeaderBytes = 8 + 1 + kKeyIdBytes;

// Serializes `document` (its recipient_key_id as given), signs it with `signer` (a private node
// key) and seals it to `recipient`. Empty when signing fails (a public-only key).
std::string seal_evidence(const EvidenceDocument& document, const NodeKey& signer,
                          const BoxPublicKey& recipient);

struct OpenedEvidence {
  std::string recipient_key_id;  // 16 hex digits, from the header
  std::string plaintext;         // the signed envelope
};

// Checks the header and opens the box. Problems: malformed, unsupported-version,
// wrong-recipient (the header names another key), cannot-open (sealed to another key, or the
// sealed bytes were altered: the box cannot tell the two apart).
std::variant<OpenedEvidence, EvidenceProblem> open_evidence(std::string_view file,
                                                            const BoxSecretKey& key);

}  // namespace panguard::alerts::evidence
