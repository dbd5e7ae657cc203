// `panguard evidence verify`: everything a tenant can check about an evidence file with its own
// secret key — the box opens, the document is well-formed and signed by the node key, the
// records form an unbroken chain from the declared link, and every record is the tenant's and
// inside the declared time range, as many as declared. Stops at the first problem.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/evidence/evidence_bundle.h"
#include "alerts/evidence/tenant_box_key.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts::evidence {

struct VerifyOptions {
  // The node's public key (--node-pubkey). Without it the signature is checked against the key
  // embedded in the document, which only proves the file is consistent, not who made it.
  const NodeKey* node_key = nullptr;
  std::optional<std::string> tenant;  // --tenant: the document must be this tenant's
};

struct EvidenceReport {
  std::optional<EvidenceProblem> problem;
  std::optional<EvidenceDocument> document;  // once it parsed
  bool signed_by_given_key = false;          // checked against VerifyOptions::node_key
  std::size_t alerts = 0;
  std::size_t checkpoints = 0;  // signed checkpoints inside the slice, verified with the node key
  uint64_t last_seq = 0;
  std::string last_hash;
};

// The part after the box is opened (fuzzed): `plaintext` is the signed envelope, which must name
// `recipient_key_id` (16 hex digits of the key that opened it).
EvidenceReport verify_evidence_plaintext(std::string_view plaintext,
                                         std::string_view recipient_key_id,
                                         const VerifyOptions& options);

// A whole evidence file's bytes.
EvidenceReport verify_evidence_file(std::string_view file, const BoxSecretKey& key,
                                    const VerifyOptions& options);

}  // namespace panguard::alerts::evidence
