// The only place rule files are read from disk: the engine itself does no I/O.
#pragma once

#include <string>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/pack_loader.h"

namespace panguard::agent {

struct RuleFilesResult {
  std::vector<rules::RuleFile> files;     // in load order
  std::vector<rules::Diagnostic> errors;  // unreadable paths, as file-level diagnostics
};

// Each path is a file or a directory; a directory contributes its *.yaml files (not recursive),
// sorted by name, so the load order never depends on the filesystem.
RuleFilesResult read_rule_files(const std::vector<std::string>& paths);

}  // namespace panguard::agent
