// libFuzzer target: the audit-stream parser and chain verifier behind `panguard audit verify`.
// The input is split at NUL bytes into up to four "files" of one stream. Whatever the bytes, the
// verifier must not crash, must report a break inside the input it was given, and must accept
// only chains whose every line is a well-formed record.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/audit/audit_record.h"
#include "alerts/audit/audit_verifier.h"

namespace {

using namespace panguard::alerts;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

std::size_t count_lines(std::string_view bytes) {
  std::size_t lines = 0;
  while (!bytes.empty()) {
    const std::size_t end = bytes.find('\n');
    ++lines;
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> files;
  std::string_view rest = input;
  while (files.size() < 3) {
    const std::size_t cut = rest.find('\0');
    if (cut == std::string_view::npos) break;
    files.push_back(rest.substr(0, cut));
    rest.remove_prefix(cut + 1);
  }
  files.push_back(rest);

  for (const bool from_genesis : {true, false}) {
    ChainVerifier verifier({"acme", from_genesis, nullptr});
    std::size_t total_lines = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      verifier.add_file("f" + std::to_string(i), files[i],
                        i == 0 ? std::optional<uint64_t>(1) : std::nullopt);
      total_lines += count_lines(files[i]);
    }
    const ChainReport report = verifier.finish();
    if (report.problem) {
      const ChainBreak& problem = *report.problem;
      if (problem.line == 0 || problem.kind.empty() || problem.file.empty()) fail("empty break");
      const std::size_t file = std::stoul(problem.file.substr(1));
      if (file >= files.size() || problem.line > count_lines(files[file])) {
        fail("break outside the input");
      }
      if (report.records >= total_lines) fail("break after every line was accepted");
    } else {
      if (report.records != total_lines) fail("accepted with lines unaccounted for");
      if (report.records > 0 && report.last_seq - report.first_seq + 1 != report.records) {
        fail("accepted a chain with gaps");
      }
    }
  }
  // A single line, parsed on its own, never reports a hash it did not check.
  const ParsedRecord record = parse_record_line(input.substr(0, input.find('\n')));
  if (record.error.empty() && (!record.seq || !record.prev || !record.hash)) {
    fail("record accepted without seq/prev/hash");
  }
  return 0;
}
