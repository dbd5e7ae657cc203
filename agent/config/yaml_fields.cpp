#include "agent/config/yaml_fields.h"

#include <charconv>
#include <filesystem>

#include "agent/config/enforce_values.h"

namespace panguard::agent::config_detail {

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

bool plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::string as_string(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) throw Invalid(node.Mark(), path, "expected a string");
  return node.Scalar();
}

bool as_bool(const YAML::Node& node, const std::string& path) {
  if (plain_scalar(node) && node.Scalar() == "true") return true;
  if (plain_scalar(node) && node.Scalar() == "false") return false;
  throw Invalid(node.Mark(), path, "expected true or false");
}

void walk_map(const YAML::Node& node, const std::string& path,
              const std::map<std::string, KeyHandler>& handlers) {
  if (node.IsNull()) return;  // "admin:" with nothing under it keeps the defaults
  if (!node.IsMap())
    throw Invalid(node.Mark(), path.empty() ? "<root>" : path, "expected a mapping");
  std::map<std::string, int> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator's pair is a temporary proxy, references into it dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar())
      throw Invalid(key.Mark(), path.empty() ? "<root>" : path, "keys must be strings");
    const std::string key_path = join_path(path, key.Scalar());
    if (seen[key.Scalar()]++ > 0) throw Invalid(key.Mark(), key_path, "duplicate key");
    const auto handler = handlers.find(key.Scalar());
    if (handler == handlers.end()) {
      std::string known;
      for (const auto& [name, unused] : handlers) known += known.empty() ? name : ", " + name;
      throw Invalid(key.Mark(), key_path, "unknown key (expected one of: " + known + ")");
    }
    handler->second(value, key_path);
  }
}

std::vector<std::string> file_paths(const YAML::Node& node, const std::string& path,
                                    std::string_view base_dir) {
  if (node.IsNull()) return {};
  if (!node.IsSequence())
    throw Invalid(node.Mark(), path, "expected a list of files or directories");
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    std::filesystem::path p = as_string(node[i], item_path);
    if (p.empty()) throw Invalid(node[i].Mark(), item_path, "must not be empty");
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    paths.push_back(p.lexically_normal().string());
  }
  return paths;
}

std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) throw Invalid(node.Mark(), path, "expected a list of strings");
  std::vector<std::string> items;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    items.push_back(as_string(node[i], item_path));
    if (items.back().empty()) throw Invalid(node[i].Mark(), item_path, "must not be empty");
  }
  return items;
}

std::vector<std::string> cgroup_paths(const YAML::Node& node, const std::string& path,
                                      std::size_t max_items) {
  if (node.IsNull()) return {};
  if (!node.IsSequence() || node.size() > max_items) {
    throw Invalid(node.Mark(), path,
                  "expected a list of at most " + std::to_string(max_items) + " cgroup paths");
  }
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    auto normalized = normalize_cgroup_path(as_string(node[i], item));
    if (normalized.index() == 1) throw Invalid(node[i].Mark(), item, std::get<1>(normalized));
    paths.push_back(std::get<0>(normalized));
  }
  return paths;
}

std::string non_empty_string(const YAML::Node& node, const std::string& path) {
  std::string text = as_string(node, path);
  if (text.empty()) throw Invalid(node.Mark(), path, "must not be empty");
  return text;
}

std::string config_file_path(const YAML::Node& node, const std::string& path,
                             std::string_view base_dir) {
  std::filesystem::path file = non_empty_string(node, path);
  if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
  return file.lexically_normal().string();
}

std::size_t size_in_range(const YAML::Node& node, const std::string& path, std::size_t min,
                          std::size_t max) {
  const std::string text = as_string(node, path);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw Invalid(
        node.Mark(), path,
        "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

int64_t millis_in_range(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  return static_cast<int64_t>(
      size_in_range(node, path, static_cast<std::size_t>(min), static_cast<std::size_t>(max)));
}

}  // namespace panguard::agent::config_detail
