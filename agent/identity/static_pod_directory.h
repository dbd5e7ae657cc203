// A PodDirectory read once from a YAML file, for single-node use and tests:
//
//   pods:
//     0b3c4d5e-1111-4222-8333-944455556666:       # pod UID
//       namespace: globex
//       name: billing-7d9f
//       containers:                               # optional: container id -> name
//         4f1c...64 hex...: app
//   namespaces:
//     globex: globex                              # namespace -> tenant id
//
// Strict: unknown keys, malformed UIDs or container ids, duplicate keys and empty names are
// errors (file:line: message), never ignored.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>

#include "agent/identity/pod_directory.h"

namespace panguard::agent::identity {

class StaticPodDirectory final : public PodDirectory {
 public:
  static std::variant<std::unique_ptr<StaticPodDirectory>, std::string> parse(
      const std::string& yaml_text, const std::string& origin);
  static std::variant<std::unique_ptr<StaticPodDirectory>, std::string> load_file(
      const std::string& path);

  std::optional<PodInfo> pod(std::string_view pod_uid) const override;
  std::optional<std::string> tenant_of_namespace(std::string_view namespace_name) const override;

  std::size_t pod_count() const { return pods_.size(); }

 private:
  std::map<std::string, PodInfo, std::less<>> pods_;
  std::map<std::string, std::string, std::less<>> tenants_;
};

}  // namespace panguard::agent::identity
