#include "agent/packs/rule_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace panguard::agent {
namespace {

namespace fs = std::filesystem;

rules::Diagnostic file_error(const std::string& path, const std::string& message) {
  rules::Diagnostic d;
  d.severity = rules::Diagnostic::Severity::kError;
  d.pos.file = path;
  d.message = message;
  return d;
}

void read_one(const std::string& path, RuleFilesResult& out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    out.errors.push_back(file_error(path, "cannot read rule file"));
    return;
  }
  out.files.push_back(rules::RuleFile{path, text.str()});
}

void expand_directory(const std::string& dir, RuleFilesResult& out) {
  std::error_code ec;
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml" && entry.is_regular_file(ec)) {
      found.push_back(entry.path().string());
    }
  }
  if (ec) {
    out.errors.push_back(file_error(dir, "cannot list directory: " + ec.message()));
    return;
  }
  if (found.empty()) {
    out.errors.push_back(file_error(dir, "directory contains no *.yaml rule files"));
    return;
  }
  std::sort(found.begin(), found.end());
  for (const auto& path : found) read_one(path, out);
}

}  // namespace

RuleFilesResult read_rule_files(const std::vector<std::string>& paths) {
  RuleFilesResult out;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back(file_error(path, "no such file or directory"));
    } else if (fs::is_directory(status)) {
      expand_directory(path, out);
    } else {
      read_one(path, out);
    }
  }
  return out;
}

}  // namespace panguard::agent
