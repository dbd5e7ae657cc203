#include "alerts/evidence/evidence_bundle.h"

#include <algorithm>
#include <array>

#include "alerts/audit/audit_hash.h"
#include "rules/event_json.h"
#include "rules/strict_json.h"

namespace panguard::alerts::evidence {
namespace {

using nlohmann::json;

constexpr std::string_view kSignatureContext = "panguard evidence v1\n";
constexpr std::array<std::string_view, 13> kKeys = {
    "created",         "first_seq", "format",           "from",         "node_key_id",
    "node_public_key", "prev_hash", "recipient_key_id", "record_count", "records",
    "tenant",          "to",        "version"};

EvidenceProblem malformed(std::string detail) { return {"malformed", std::move(detail)}; }

bool is_key_id(std::string_view text) { return text.size() == 16 && from_hex(text).has_value(); }

// A string field spelled exactly as the exporter writes it.
bool read_time(const json& doc, const char* key, int64_t& ns) {
  const std::string& text = doc[key].get_ref<const std::string&>();
  return rules::parse_rfc3339_utc(text, ns) && rules::format_rfc3339_utc(ns) == text;
}

}  // namespace

std::string serialize_document(const EvidenceDocument& document) {
  json doc = json::object();
  doc["format"] = kEvidenceFormat;
  doc["version"] = kEvidenceVersion;
  doc["tenant"] = document.tenant;
  doc["node_key_id"] = document.node_key_id;
  doc["node_public_key"] = to_hex(document.node_public_key);
  doc["recipient_key_id"] = document.recipient_key_id;
  doc["from"] = rules::format_rfc3339_utc(document.from_ns);
  doc["to"] = rules::format_rfc3339_utc(document.to_ns);
  doc["created"] = rules::format_rfc3339_utc(document.created_ns);
  doc["record_count"] = document.record_count;
  doc["first_seq"] = document.first_seq;
  doc["prev_hash"] = document.prev_hash;
  doc["records"] = document.records;
  // Invalid UTF-8 cannot reach here through export (records passed a strict JSON parse); if a
  // caller passes some anyway, the replacement makes the document fail verification, not crash.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::variant<EvidenceDocument, EvidenceProblem> parse_document(std::string_view bytes) {
  std::string error;
  const auto parsed = rules::parse_strict_json(bytes, error, /*max_depth=*/4);
  if (!parsed) return malformed("document is not valid JSON: " + error);
  const json& doc = *parsed;
  if (!doc.is_object()) return malformed("document is not a JSON object");
  // Format and version first: a future version may have other keys.
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || *format != kEvidenceFormat) {
    return malformed("not a panguard evidence document");
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_unsigned()) {
    return malformed("document has no version");
  }
  if (version->get<uint64_t>() != kEvidenceVersion) {
    return EvidenceProblem{"unsupported-version", "document version " +
                                                      std::to_string(version->get<uint64_t>()) +
                                                      " (this panguard reads version " +
                                                      std::to_string(kEvidenceVersion) + ")"};
  }
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return malformed("unknown key \"" + key + "\"");
    }
  }
  for (const std::string_view key : kKeys) {
    if (!doc.contains(key)) return malformed("missing key \"" + std::string(key) + "\"");
  }
  for (const char* key : {"tenant", "node_key_id", "node_public_key", "recipient_key_id", "from",
                          "to", "created", "prev_hash"}) {
    if (!doc[key].is_string()) return malformed(std::string(key) + " must be a string");
  }
  for (const char* key : {"record_count", "first_seq"}) {
    if (!doc[key].is_number_unsigned()) {
      return malformed(std::string(key) + " must be an unsigned integer");
    }
  }
  if (!doc["records"].is_array()) return malformed("records must be an array");

  EvidenceDocument out;
  out.tenant = doc["tenant"].get<std::string>();
  out.node_key_id = doc["node_key_id"].get<std::string>();
  out.recipient_key_id = doc["recipient_key_id"].get<std::string>();
  out.prev_hash = doc["prev_hash"].get<std::string>();
  out.record_count = doc["record_count"].get<uint64_t>();
  out.first_seq = doc["first_seq"].get<uint64_t>();
  const auto public_key = from_hex(doc["node_public_key"].get_ref<const std::string&>());
  if (!public_key || public_key->size() != 32) {
    return malformed("node_public_key must be 64 lower-case hex digits");
  }
  out.node_public_key = *public_key;
  if (!is_key_id(out.node_key_id) || !is_key_id(out.recipient_key_id)) {
    return malformed("key ids must be 16 lower-case hex digits");
  }
  if (!is_hash_hex(out.prev_hash)) return malformed("prev_hash must be 64 lower-case hex digits");
  if (!read_time(doc, "from", out.from_ns) || !read_time(doc, "to", out.to_ns) ||
      !read_time(doc, "created", out.created_ns)) {
    return malformed("from, to and created must be RFC 3339 UTC with 9 fraction digits");
  }
  for (const json& record : doc["records"]) {
    if (!record.is_string()) return malformed("records must be strings");
    out.records.push_back(record.get<std::string>());
  }
  // One spelling per document: anything the exporter would not have written (whitespace, key
  // order, escapes, trailing bytes) is refused rather than interpreted.
  if (serialize_document(out) != bytes) {
    return malformed("document is not in canonical form (whitespace, key order or escapes)");
  }
  return out;
}

std::string signature_message(std::string_view document_bytes) {
  std::string message(kSignatureContext);
  message += document_bytes;
  return message;
}

std::string make_envelope(std::string_view signature, std::string_view document_bytes) {
  std::string out(signature);
  out += document_bytes;
  return out;
}

std::optional<Envelope> split_envelope(std::string_view plaintext) {
  if (plaintext.size() <= kSignatureBytes) return std::nullopt;
  return Envelope{plaintext.substr(0, kSignatureBytes), plaintext.substr(kSignatureBytes)};
}

}  // namespace panguard::alerts::evidence
