// The signed inner document of an evidence export (docs/alerts.md, "Evidence export"), and the
// envelope that carries it with its signature inside the sealed box:
//
//   envelope  = Ed25519 signature (64 bytes) || document bytes
//   signature = Ed25519(node key, "panguard evidence v1\n" || document bytes)
//   document  = one JSON object, keys sorted, no whitespace (nlohmann's dump()):
//     {"created":…,"first_seq":N,"format":"panguard-evidence","from":…,"node_key_id":…,
//      "node_public_key":…,"prev_hash":…,"recipient_key_id":…,"record_count":N,
//      "records":["<audit line>",…],"tenant":…,"to":…,"version":1}
//
// Parsing is strict: the document must be exactly the bytes the exporter would write for its
// values (so there is one spelling per document and no trailing bytes), with no unknown,
// missing or duplicate keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace panguard::alerts::evidence {

inline constexpr std::string_view kEvidenceFormat = "panguard-evidence";
inline constexpr uint64_t kEvidenceVersion = 1;
inline constexpr std::size_t kSignatureBytes = 64;
// Export refuses to write more, verify to read more: narrow the time range instead.
inline constexpr std::size_t kMaxEvidenceBytes = std::size_t{256} << 20;

struct EvidenceDocument {
  std::string tenant;
  std::string node_key_id;       // 16 hex digits (NodeKey::key_id)
  std::string node_public_key;   // the 32 raw Ed25519 bytes (hex in the JSON)
  std::string recipient_key_id;  // 16 hex digits of the tenant box key it is sealed to
  int64_t from_ns = 0;           // inclusive bounds, RFC 3339 in the JSON
  int64_t to_ns = 0;
  int64_t created_ns = 0;
  uint64_t record_count = 0;         // as declared; verify compares it with records.size()
  uint64_t first_seq = 0;            // seq of records[0]
  std::string prev_hash;             // hash of the record before records[0] (the chain link)
  std::vector<std::string> records;  // audit lines without '\n', byte for byte
};

// What is wrong with an evidence file; `kind` is one word (docs/cli.md lists them).
struct EvidenceProblem {
  std::string kind;
  std::string detail;
  std::string to_string() const { return kind + ": " + detail; }
};

std::string serialize_document(const EvidenceDocument& document);
std::variant<EvidenceDocument, EvidenceProblem> parse_document(std::string_view bytes);

std::string signature_message(std::string_view document_bytes);

struct Envelope {
  std::string_view signature;
  std::string_view document;
};
std::string make_envelope(std::string_view signature, std::string_view document_bytes);
std::optional<Envelope> split_envelope(std::string_view plaintext);

}  // namespace panguard::alerts::evidence
