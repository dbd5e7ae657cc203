// Identifies a pack by its content so every alert can say which rules produced it.
#pragma once

#include <string>
#include <vector>

#include "rules/pack_loader.h"

namespace panguard::agent {

// "sha256:" + the first 16 hex digits of SHA-256 over each file's length and content, in order.
// Paths are left out: the same pack installed elsewhere has the same version.
std::string pack_version(const std::vector<rules::RuleFile>& files);

}  // namespace panguard::agent
