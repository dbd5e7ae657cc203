// Reads, compiles and versions a rule pack off to the side; the caller decides whether to
// install it. Used at startup, on SIGHUP, by replay and by `rules check`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/packs/pack_snapshot.h"
#include "rules/diagnostic.h"

namespace panguard::agent {

struct PackLoadResult {
  std::shared_ptr<const PackSnapshot> snapshot;  // null when the pack is refused
  std::vector<rules::Diagnostic> diagnostics;    // read errors, then loader/compiler output
  std::size_t file_count = 0;

  bool ok() const { return snapshot != nullptr; }
  // The first error as "file:line:col: error: message", for logs and the platform alert.
  std::string first_error() const;
};

// `paths` empty: the embedded default pack.
PackLoadResult load_rule_pack(const std::vector<std::string>& paths);

}  // namespace panguard::agent
