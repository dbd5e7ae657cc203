#include "agent/packs/pack_loading.h"

#include "agent/packs/embedded_pack.h"
#include "agent/packs/pack_version.h"
#include "agent/packs/rule_files.h"
#include "rules/rule_pack.h"

namespace panguard::agent {
namespace {

std::string describe(const std::vector<std::string>& paths) {
  if (paths.empty()) return "embedded default pack";
  std::string out;
  for (const auto& path : paths) out += (out.empty() ? "" : ", ") + path;
  return out;
}

}  // namespace

std::string PackLoadResult::first_error() const {
  for (const auto& d : diagnostics) {
    if (d.severity == rules::Diagnostic::Severity::kError) return d.to_string();
  }
  return ok() ? "" : "rule pack refused";
}

PackLoadResult load_rule_pack(const std::vector<std::string>& paths) {
  PackLoadResult result;
  std::vector<rules::RuleFile> files;
  if (paths.empty()) {
    files = embedded_default_pack();
    if (files.empty()) {
      rules::Diagnostic d;
      d.pos.file = "<embedded default pack>";
      d.message =
          "this build embeds no rule files (rules/packs/default/*.yaml was empty); "
          "set rules.paths or pass --rules";
      result.diagnostics.push_back(std::move(d));
      return result;
    }
  } else {
    RuleFilesResult read = read_rule_files(paths);
    files = std::move(read.files);
    result.diagnostics = std::move(read.errors);
  }
  result.file_count = files.size();

  rules::CompileResult compiled = rules::load_pack(files);
  result.diagnostics.insert(result.diagnostics.end(), compiled.diagnostics.begin(),
                            compiled.diagnostics.end());
  if (rules::has_errors(result.diagnostics) || !compiled.pack) return result;

  result.snapshot = std::make_shared<const PackSnapshot>(
      PackSnapshot{std::move(compiled.pack), pack_version(files), describe(paths)});
  return result;
}

}  // namespace panguard::agent
