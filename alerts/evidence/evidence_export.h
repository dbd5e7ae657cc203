// `panguard evidence export`: a tenant's audit records in a time range, signed by the node key
// and sealed to the tenant's box key. The stream is verified first (a broken chain is never
// exported); the selected records must be one contiguous run of the chain, so the verifier can
// check it link by link from the record before it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

#include "alerts/evidence/evidence_bundle.h"
#include "alerts/evidence/tenant_box_key.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts::evidence {

struct ExportRequest {
  std::filesystem::path audit_dir;  // the audit_file sink's `dir`
  std::string tenant;
  int64_t from_ns = 0;                // inclusive
  int64_t to_ns = 0;                  // inclusive
  const NodeKey* node_key = nullptr;  // private: signs the document
  BoxPublicKey recipient;
  int64_t now_ns = 0;  // the document's `created`
};

struct ExportError {
  bool runtime = false;  // true: could not read or write (exit 3); false: refused (exit 1)
  std::string message;
};

struct SelectedRecords {
  uint64_t first_seq = 0;
  std::string prev_hash;
  std::vector<std::string> records;
  std::size_t stream_records = 0;  // in the whole verified stream
};

// Reads and verifies the tenant's stream, then picks the records inside the range.
std::variant<SelectedRecords, ExportError> select_records(const ExportRequest& request);

// select_records, then the sealed evidence file's bytes.
std::variant<std::string, ExportError> build_evidence(const ExportRequest& request,
                                                      SelectedRecords* selected = nullptr);

}  // namespace panguard::alerts::evidence
