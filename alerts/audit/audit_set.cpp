#include "alerts/audit/audit_set.h"

#include <filesystem>

#include "alerts/audit/audit_paths.h"

namespace panguard::alerts {

namespace fs = std::filesystem;

std::variant<ChainReport, AuditReadError> verify_audit_path(const std::string& path,
                                                            const NodeKey* public_key) {
  std::error_code ec;
  const fs::path target = fs::path(path).lexically_normal();
  if (fs::is_directory(target, ec)) {
    const fs::path dir = target.has_filename() ? target : target.parent_path();
    std::vector<AuditFile> files = list_audit_files(dir, ec);
    if (ec) return AuditReadError{path + ": " + ec.message()};
    if (files.empty()) return AuditReadError{path + ": no audit-*.jsonl files"};
    ChainVerifier verifier({dir.filename().string(), /*from_genesis=*/true, public_key});
    for (const AuditFile& file : files) {
      const auto bytes = read_audit_file(file.path);
      if (!bytes) return AuditReadError{file.path.string() + ": cannot read"};
      verifier.add_file(file.path.string(), *bytes, file.first_seq);
    }
    return verifier.finish();
  }
  const auto bytes = read_audit_file(target);
  if (!bytes) return AuditReadError{path + ": cannot read"};
  const auto name_seq = parse_audit_file_name(target.filename().string());
  ChainVerifier verifier({target.parent_path().filename().string(),
                          /*from_genesis=*/name_seq == uint64_t{1}, public_key});
  verifier.add_file(target.string(), *bytes, name_seq);
  return verifier.finish();
}

}  // namespace panguard::alerts
