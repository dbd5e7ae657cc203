#include "agent/identity/static_pod_directory.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "agent/identity/cgroup_layout.h"

namespace panguard::agent::identity {
namespace {

struct Invalid : std::runtime_error {
  Invalid(const YAML::Node& at, const std::string& message)
      : std::runtime_error(message), mark(at.Mark()) {}
  YAML::Mark mark;
};

std::string scalar(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar() || node.Scalar().empty())
    throw Invalid(node, what + ": expected a non-empty string");
  return node.Scalar();
}

// Calls fn(key, value) for each entry of a mapping, refusing duplicate and non-string keys.
template <typename Fn>
void each_entry(const YAML::Node& node, const std::string& what, Fn&& fn) {
  if (node.IsNull()) return;
  if (!node.IsMap()) throw Invalid(node, what + ": expected a mapping");
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const std::string name = scalar(key, what + " key");
    if (!seen.insert(name).second) throw Invalid(key, what + ": duplicate key '" + name + "'");
    fn(key, name, value);
  }
}

}  // namespace

std::variant<std::unique_ptr<StaticPodDirectory>, std::string> StaticPodDirectory::parse(
    const std::string& yaml_text, const std::string& origin) {
  auto directory = std::unique_ptr<StaticPodDirectory>(new StaticPodDirectory());
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    each_entry(
        root, "<root>",
        [&](const YAML::Node& key, const std::string& name, const YAML::Node& value) {
          if (name == "pods") {
            each_entry(
                value, "pods",
                [&](const YAML::Node& uid_key, const std::string& uid, const YAML::Node& pod_node) {
                  if (!is_pod_uid(uid))
                    throw Invalid(uid_key, "pods: '" + uid + "' is not a pod UID");
                  PodInfo info;
                  each_entry(
                      pod_node, "pods." + uid,
                      [&](const YAML::Node& field_key, const std::string& field,
                          const YAML::Node& field_value) {
                        if (field == "namespace") {
                          info.namespace_name = scalar(field_value, "pods." + uid + ".namespace");
                        } else if (field == "name") {
                          info.name = scalar(field_value, "pods." + uid + ".name");
                        } else if (field == "containers") {
                          each_entry(field_value, "pods." + uid + ".containers",
                                     [&](const YAML::Node& id_key, const std::string& id,
                                         const YAML::Node& container) {
                                       if (!is_container_id(id)) {
                                         throw Invalid(id_key,
                                                       "'" + id + "' is not a 64-hex container id");
                                       }
                                       info.containers[id] = scalar(container, "container name");
                                     });
                        } else {
                          throw Invalid(field_key, "pods." + uid + ": unknown key '" + field +
                                                       "' (expected namespace, name, containers)");
                        }
                      });
                  if (info.namespace_name.empty() || info.name.empty()) {
                    throw Invalid(uid_key, "pods." + uid + ": namespace and name are required");
                  }
                  directory->pods_.emplace(uid, std::move(info));
                });
          } else if (name == "namespaces") {
            each_entry(value, "namespaces",
                       [&](const YAML::Node&, const std::string& ns, const YAML::Node& tenant) {
                         directory->tenants_.emplace(ns, scalar(tenant, "namespaces." + ns));
                       });
          } else {
            throw Invalid(key, "unknown key '" + name + "' (expected pods, namespaces)");
          }
        });
  } catch (const Invalid& e) {
    return origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.what();
  } catch (const YAML::Exception& e) {
    return origin + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg;
  }
  return directory;
}

std::variant<std::unique_ptr<StaticPodDirectory>, std::string> StaticPodDirectory::load_file(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read the pod mapping file";
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

std::optional<PodInfo> StaticPodDirectory::pod(std::string_view pod_uid) const {
  const auto found = pods_.find(pod_uid);
  if (found == pods_.end()) return std::nullopt;
  return found->second;
}

std::optional<std::string> StaticPodDirectory::tenant_of_namespace(
    std::string_view namespace_name) const {
  const auto found = tenants_.find(namespace_name);
  if (found == tenants_.end()) return std::nullopt;
  return found->second;
}

}  // namespace panguard::agent::identity
