#include "alerts/evidence/evidence_export.h"

#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_verifier.h"
#include "alerts/evidence/evidence_file.h"
#include "alerts/evidence/evidence_record.h"
#include "alerts/evidence/new_file.h"
#include "rules/event_json.h"

namespace panguard::alerts::evidence {
namespace {

namespace fs = std::filesystem;

ExportError refused(std::string message) { return {false, std::move(message)}; }
ExportError runtime(std::string message) { return {true, std::move(message)}; }

bool in_range(const RecordFacts& record, const ExportRequest& request) {
  return record.time_ns >= request.from_ns && record.time_ns <= request.to_ns;
}

std::vector<std::string_view> split_lines(std::string_view bytes) {
  std::vector<std::string_view> lines;
  while (!bytes.empty()) {
    const std::size_t end = bytes.find('\n');
    lines.push_back(bytes.substr(0, end));
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
  }
  return lines;
}

}  // namespace

std::variant<SelectedRecords, ExportError> select_records(const ExportRequest& request) {
  if (request.from_ns > request.to_ns) return refused("--from is after --to");
  const auto stream = escape_tenant(request.tenant);
  if (!stream || request.tenant.empty()) return refused("invalid tenant id");
  const fs::path dir = request.audit_dir / *stream;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return runtime(dir.string() + ": no audit stream for tenant '" + request.tenant + "'");
  }
  const std::vector<AuditFile> files = list_audit_files(dir, ec);
  if (ec) return runtime(dir.string() + ": " + ec.message());
  if (files.empty()) return runtime(dir.string() + ": no audit-*.jsonl files");

  // One read of each file feeds both the chain check and the selection, so what is exported is
  // exactly what was verified.
  std::vector<std::string> contents;
  ChainVerifier verifier({*stream, /*from_genesis=*/true, request.node_key});
  for (const AuditFile& file : files) {
    std::string bytes;
    if (std::string error = read_small_file(file.path.string(), kMaxEvidenceBytes * 4, bytes);
        !error.empty()) {
      return runtime(error);
    }
    verifier.add_file(file.path.string(), bytes, file.first_seq);
    contents.push_back(std::move(bytes));
  }
  const ChainReport chain = verifier.finish();
  if (chain.problem) {
    return refused("the audit stream does not verify; refusing to export it: " +
                   chain.problem->to_string());
  }

  SelectedRecords out;
  out.stream_records = chain.records;
  std::optional<std::size_t> first;
  std::optional<std::string> gap;  // an out-of-range record after the first in-range one
  std::size_t selected_bytes = 0;
  for (const std::string& bytes : contents) {
    for (const std::string_view line : split_lines(bytes)) {
      auto facts = read_record_facts(line);
      if (auto* error = std::get_if<std::string>(&facts)) {
        return refused("audit record unreadable: " + *error);
      }
      const RecordFacts& record = std::get<RecordFacts>(facts);
      if (!belongs_to(record, request.tenant)) {
        return refused("seq " + std::to_string(record.seq) +
                       " in the stream is not this tenant's; refusing to export it");
      }
      if (!in_range(record, request)) {
        if (first && !gap) {
          gap = "seq " + std::to_string(record.seq) + " (time " +
                rules::format_rfc3339_utc(record.time_ns) + ")";
        }
        continue;
      }
      if (gap) {
        // Leaving the record out would leave a hole the verifier cannot tell from a deletion;
        // putting it in would put a record outside the declared range into the evidence.
        return refused("records are not in time order: " + *gap +
                       " lies outside the range between records inside it; choose bounds "
                       "beyond its time");
      }
      if (!first) {
        first = record.seq;
        out.first_seq = record.seq;
        out.prev_hash = record.prev;
      }
      selected_bytes += line.size() + 8;
      if (selected_bytes > kMaxEvidenceBytes / 2) {
        return refused("the range holds more than " + std::to_string(kMaxEvidenceBytes / 2) +
                       " bytes of records; export a narrower range");
      }
      out.records.emplace_back(line);
    }
  }
  if (out.records.empty()) {
    return refused("no records of tenant '" + request.tenant + "' between " +
                   rules::format_rfc3339_utc(request.from_ns) + " and " +
                   rules::format_rfc3339_utc(request.to_ns) + " (" + std::to_string(chain.records) +
                   " in the stream)");
  }
  return out;
}

std::variant<std::string, ExportError> build_evidence(const ExportRequest& request,
                                                      SelectedRecords* selected) {
  if (!request.node_key) return runtime("no node key");
  auto picked = select_records(request);
  if (auto* error = std::get_if<ExportError>(&picked)) return *error;
  SelectedRecords& records = std::get<SelectedRecords>(picked);

  EvidenceDocument document;
  document.tenant = request.tenant;
  document.node_key_id = request.node_key->key_id();
  document.node_public_key = request.node_key->raw_public_key();
  document.recipient_key_id = request.recipient.key_id();
  document.from_ns = request.from_ns;
  document.to_ns = request.to_ns;
  document.created_ns = request.now_ns;
  document.record_count = records.records.size();
  document.first_seq = records.first_seq;
  document.prev_hash = records.prev_hash;
  document.records = records.records;
  std::string file = seal_evidence(document, *request.node_key, request.recipient);
  if (file.empty()) return runtime("signing with the node key failed (is it a private key?)");
  if (selected) *selected = std::move(records);
  return file;
}

}  // namespace panguard::alerts::evidence
