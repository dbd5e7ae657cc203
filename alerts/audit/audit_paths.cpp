#include "alerts/audit/audit_paths.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace panguard::alerts {
namespace {

constexpr std::string_view kPrefix = "audit-";
constexpr std::string_view kSuffix = ".jsonl";
constexpr std::size_t kSeqDigits = 20;       // enough for any uint64_t
constexpr std::size_t kMaxStreamName = 200;  // NAME_MAX is 255; leave room for temp names

bool keep(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::optional<std::string> escape_tenant(std::string_view tenant) {
  if (tenant.empty()) return std::string("%");
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : tenant) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (out.size() > kMaxStreamName) return std::nullopt;
  return out;
}

std::string audit_file_name(uint64_t first_seq) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_seq));
  return std::string(kPrefix) + digits + std::string(kSuffix);
}

std::optional<uint64_t> parse_audit_file_name(std::string_view name) {
  if (name.size() != kPrefix.size() + kSeqDigits + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kPrefix.size(), kSeqDigits);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::vector<AuditFile> list_audit_files(const std::filesystem::path& stream_dir,
                                        std::error_code& ec) {
  std::vector<AuditFile> files;
  for (std::filesystem::directory_iterator it(stream_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    if (auto seq = parse_audit_file_name(it->path().filename().string())) {
      files.push_back({it->path(), *seq});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const AuditFile& a, const AuditFile& b) { return a.first_seq < b.first_seq; });
  return files;
}

std::optional<std::string> read_audit_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

}  // namespace panguard::alerts
