// Where a stream's audit files live: <dir>/<stream>/audit-<first seq, 20 digits>.jsonl, where
// <stream> is the escaped tenant id or kPlatformStream for platform events.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace panguard::alerts {

// '@' is always escaped in tenant names, so no tenant's directory can be the platform's.
inline constexpr std::string_view kPlatformStream = "@platform";

// Keeps [A-Za-z0-9_-]; every other byte becomes %XX (upper-case hex), so '.', '/', '@' never
// survive and "." or ".." cannot be produced. The empty tenant id is "%" (never produced
// otherwise). nullopt when the result would exceed a safe file name length.
std::optional<std::string> escape_tenant(std::string_view tenant);

std::string audit_file_name(uint64_t first_seq);  // "audit-00000000000000000001.jsonl"
// The first seq from a file name this writer produced; nullopt for any other name.
std::optional<uint64_t> parse_audit_file_name(std::string_view name);

struct AuditFile {
  std::filesystem::path path;
  uint64_t first_seq = 0;  // from the name
};

// The stream's audit files in chain order (by the seq in their names); other names ignored.
std::vector<AuditFile> list_audit_files(const std::filesystem::path& stream_dir,
                                        std::error_code& ec);

// A whole audit file's bytes, or nullopt when it cannot be read.
std::optional<std::string> read_audit_file(const std::filesystem::path& path);

}  // namespace panguard::alerts
