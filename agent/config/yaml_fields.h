// Typed readers for YAML config values, shared by the config sections. Every reader throws
// Invalid with the node's position and key path; parse_config turns that into a ConfigError.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace panguard::agent::config_detail {

// Thrown inside the loader only; parse_config turns it into a ConfigError.
struct Invalid : std::runtime_error {
  Invalid(const YAML::Mark& at, const std::string& key_path, const std::string& message)
      : std::runtime_error(message), mark(at), path(key_path) {}
  YAML::Mark mark;
  std::string path;
};

std::string join_path(const std::string& parent, const std::string& key);

// Plain (unquoted) scalars only for booleans, so "yes", "on" or "true" in quotes are refused.
bool plain_scalar(const YAML::Node& node);

std::string as_string(const YAML::Node& node, const std::string& path);
bool as_bool(const YAML::Node& node, const std::string& path);

template <typename T>
T as_choice(const YAML::Node& node, const std::string& path,
            const std::vector<std::pair<std::string, T>>& choices) {
  std::string expected;
  for (const auto& [name, value] : choices) {
    if (node.IsScalar() && node.Scalar() == name) return value;
    expected += expected.empty() ? name : " | " + name;
  }
  throw Invalid(node.Mark(), path, "expected one of: " + expected);
}

using KeyHandler = std::function<void(const YAML::Node& value, const std::string& path)>;

// Walks a mapping: every key must be known and appear once.
void walk_map(const YAML::Node& node, const std::string& path,
              const std::map<std::string, KeyHandler>& handlers);

// A list of files or directories; relative ones are resolved against `base_dir`.
std::vector<std::string> file_paths(const YAML::Node& node, const std::string& path,
                                    std::string_view base_dir);

// A list of non-empty strings.
std::vector<std::string> string_list(const YAML::Node& node, const std::string& path);

// A list of cgroup paths relative to the cgroup v2 root (a leading "/" is accepted).
std::vector<std::string> cgroup_paths(const YAML::Node& node, const std::string& path,
                                      std::size_t max_items);

std::string non_empty_string(const YAML::Node& node, const std::string& path);

// A file named in the config: relative paths are resolved against the config file's directory.
std::string config_file_path(const YAML::Node& node, const std::string& path,
                             std::string_view base_dir);

// A whole number in [min, max]; the message names the range.
std::size_t size_in_range(const YAML::Node& node, const std::string& path, std::size_t min,
                          std::size_t max);
int64_t millis_in_range(const YAML::Node& node, const std::string& path, int64_t min, int64_t max);

}  // namespace panguard::agent::config_detail
