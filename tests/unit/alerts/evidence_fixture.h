// Shared setup of the evidence tests: a real audit stream on disk (AuditStreamWriter, real
// rotation and signed checkpoints), a node key and two tenants' box keys.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "alerts/alert_json.h"
#include "alerts/audit/audit_options.h"
#include "alerts/audit/audit_paths.h"
#include "alerts/audit/audit_record.h"
#include "alerts/audit/audit_stream_writer.h"
#include "alerts/evidence/evidence_export.h"
#include "alerts/evidence/evidence_file.h"
#include "alerts/evidence/evidence_verify.h"
#include "alerts/evidence/tenant_box_key.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts::evidence {

inline constexpr int64_t kSecond = 1'000'000'000;
// 2026-11-29T10:00:00Z: alert i of a stream has time kT0 + i seconds.
inline constexpr int64_t kT0 = int64_t{1'795'946'400} * kSecond;

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
T take(std::variant<T, KeyError> result) {
  if (auto* error = std::get_if<KeyError>(&result)) ADD_FAILURE() << error->message;
  return std::get<T>(std::move(result));
}

class EvidenceTest : public ::testing::Test {
 protected:
  EvidenceTest()
      : node_(take<NodeKey>(generate_node_key())),
        other_node_(take<NodeKey>(generate_node_key())),
        tenant_key_(take<BoxSecretKey>(generate_box_key())),
        other_tenant_key_(take<BoxSecretKey>(generate_box_key())) {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("panguard-evidence-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(dir_);
  }
  ~EvidenceTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string alert_json(const std::string& tenant, int64_t time_ns, int n) {
    Alert alert;
    alert.id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + n);
    alert.time_ns = time_ns;
    alert.rule = "Vault path of another tenant";
    alert.priority = rules::Priority::kCritical;
    alert.tenant_id = tenant;
    alert.source = rules::Source::kVault;
    alert.output = "read #" + std::to_string(n) + " \"quoted\" \xc3\xa9";
    alert.output_fields = {{"tenant.id", tenant}};
    alert.node = "worker-1";
    alert.pack_version = "sha256:0123456789abcdef";
    return alert_to_json(alert, AlertFormat::kPanguard);
  }

  // Writes alerts at the given times (checkpoint_after: a checkpoint after that many alerts,
  // dated half a second after the last one). Small files, so the stream rotates.
  void write_stream(const std::string& tenant, const std::vector<int64_t>& times,
                    std::size_t checkpoint_after = 0) {
    options_.dir = (dir_ / "audit").string();
    options_.rotate_bytes = 2048;
    options_.fsync = FsyncPolicy::kNever;
    const auto stream = escape_tenant(tenant);
    AuditStreamWriter writer(dir_ / "audit" / *stream, *stream, options_, &node_);
    ASSERT_EQ(writer.open(), "");
    for (std::size_t i = 0; i < times.size(); ++i) {
      ASSERT_TRUE(writer.append_alert(alert_json(tenant, times[i], static_cast<int>(i))));
      if (i + 1 == checkpoint_after) {
        ASSERT_TRUE(writer.checkpoint(times[i] + kSecond / 2));
      }
    }
    writer.sync();
  }

  static std::vector<int64_t> seconds(int count) {
    std::vector<int64_t> times;
    for (int i = 0; i < count; ++i) times.push_back(kT0 + i * kSecond);
    return times;
  }

  // Every record line of the stream, in order, without '\n'.
  std::vector<std::string> stream_lines(const std::string& tenant) const {
    std::error_code ec;
    std::vector<std::string> lines;
    for (const AuditFile& file : list_audit_files(dir_ / "audit" / *escape_tenant(tenant), ec)) {
      std::istringstream in(read_bytes(file.path));
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    return lines;
  }

  ExportRequest request(const std::string& tenant, int64_t from, int64_t to) const {
    ExportRequest r;
    r.audit_dir = dir_ / "audit";
    r.tenant = tenant;
    r.from_ns = from;
    r.to_ns = to;
    r.node_key = &node_;
    r.recipient = tenant_key_.public_key();
    r.now_ns = kT0 + 3600 * kSecond;
    return r;
  }

  std::string export_bytes(const std::string& tenant, int64_t from, int64_t to) {
    auto built = build_evidence(request(tenant, from, to));
    if (auto* error = std::get_if<ExportError>(&built)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    return std::get<std::string>(built);
  }

  // The document an honest export of `lines` would sign; tests then bend one thing in it.
  EvidenceDocument document_of(const std::vector<std::string>& lines, std::size_t first,
                               std::size_t count, int64_t from, int64_t to,
                               const std::string& tenant = "acme") const {
    EvidenceDocument doc;
    doc.tenant = tenant;
    doc.node_key_id = node_.key_id();
    doc.node_public_key = node_.raw_public_key();
    doc.recipient_key_id = tenant_key_.public_key().key_id();
    doc.from_ns = from;
    doc.to_ns = to;
    doc.created_ns = kT0;
    doc.records.assign(lines.begin() + static_cast<std::ptrdiff_t>(first),
                       lines.begin() + static_cast<std::ptrdiff_t>(first + count));
    doc.record_count = count;
    const ParsedRecord head = parse_record_line(doc.records.front());
    doc.first_seq = *head.seq;
    doc.prev_hash = *head.prev;
    return doc;
  }

  EvidenceReport verify(std::string_view file, const NodeKey* node_key,
                        std::optional<std::string> tenant = std::nullopt) const {
    VerifyOptions options;
    options.node_key = node_key;
    options.tenant = std::move(tenant);
    return verify_evidence_file(file, tenant_key_, options);
  }

  std::filesystem::path dir_;
  AuditFileOptions options_;
  NodeKey node_;
  NodeKey other_node_;
  BoxSecretKey tenant_key_;
  BoxSecretKey other_tenant_key_;
};

}  // namespace panguard::alerts::evidence
