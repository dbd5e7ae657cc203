#include "agent/config/config_loader.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/alert_routes_section.h"
#include "agent/config/alert_sink_section.h"
#include "agent/config/listen_address.h"
#include "agent/config/sensor_section.h"
#include "agent/config/store_section.h"
#include "agent/config/vault_section.h"
#include "agent/config/yaml_fields.h"

namespace panguard::agent {
namespace {

using namespace config_detail;

ConfigValues parse_values(const YAML::Node& root, std::string_view base_dir) {
  ConfigValues v;
  VaultMarks vault_marks;
  walk_map(
      root, "",
      {
          {"node_name",
           [&](const YAML::Node& n, const std::string& p) {
             v.node_name = as_string(n, p);
             if (v.node_name.empty()) throw Invalid(n.Mark(), p, "must not be empty");
           }},
          {"mode",
           [&](const YAML::Node& n, const std::string& p) {
             v.mode =
                 as_choice<Mode>(n, p, {{"monitor", Mode::kMonitor}, {"enforce", Mode::kEnforce}});
           }},
          {"rules",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p, {{"paths", [&](const YAML::Node& m, const std::string& q) {
                                v.rule_paths = file_paths(m, q, base_dir);
                              }}});
           }},
          {"admin",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p,
                      {{"listen",
                        [&](const YAML::Node& m, const std::string& q) {
                          auto parsed = parse_loopback_listen(as_string(m, q));
                          if (auto* error = std::get_if<std::string>(&parsed)) {
                            throw Invalid(m.Mark(), q, *error);
                          }
                          v.admin_listen = std::get<ListenAddress>(parsed);
                        }},
                       {"allow_event_ingest", [&](const YAML::Node& m, const std::string& q) {
                          v.allow_event_ingest = as_bool(m, q);
                        }}});
           }},
          {"alerts",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(
                 n, p,
                 {{"format", [&](const YAML::Node& m,
                                 const std::string& q) { v.alert_format = alert_format(m, q); }},
                  {"routes",
                   [&](const YAML::Node& m, const std::string& q) {
                     v.alert_routes = alert_routes(m, q, base_dir);
                   }},
                  {"summary_period_ms", [&](const YAML::Node& m, const std::string& q) {
                     v.summary_period_ms = static_cast<int64_t>(size_in_range(m, q, 0, 86'400'000));
                     if (v.summary_period_ms > 0 && v.summary_period_ms < 1'000) {
                       throw Invalid(m.Mark(), q, "expected 0 (off) or at least 1000");
                     }
                   }}});
           }},
          {"log",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p, {{"level", [&](const YAML::Node& m, const std::string& q) {
                                v.log_level =
                                    as_choice<log::Level>(m, q,
                                                          {{"debug", log::Level::kDebug},
                                                           {"info", log::Level::kInfo},
                                                           {"warning", log::Level::kWarning},
                                                           {"error", log::Level::kError}});
                              }}});
           }},
          {"vault",
           [&](const YAML::Node& n, const std::string& p) {
             parse_vault(n, p, v.vault, vault_marks, base_dir);
           }},
          {"vault_audit", [&](const YAML::Node& n,
                              const std::string& p) { parse_vault_audit(n, p, v.vault_audit); }},
          {"identity", [&](const YAML::Node& n,
                           const std::string& p) { parse_identity(n, p, v.jwt, base_dir); }},
          {"store", [&](const YAML::Node& n,
                        const std::string& p) { parse_store(n, p, v.store, base_dir); }},
          {"sensor", [&](const YAML::Node& n,
                         const std::string& p) { parse_sensor(n, p, v.sensor, base_dir); }},
          {"enforce", [](const YAML::Node&, const std::string&) {}},  // below, after sensor
      });
  finish_vault(v, vault_marks);
  // After sensor.*, whatever the key order: a deny needs the sensor.
  if (const YAML::Node enforce = root["enforce"]) parse_enforce(enforce, "enforce", v);
  return v;
}

std::string position(std::string_view display_name, const YAML::Mark& mark) {
  std::string out(display_name);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return out;
}

}  // namespace

ConfigResult parse_config(std::string_view yaml_text, std::string_view display_name,
                          std::string_view base_dir, std::string_view default_node_name) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    ConfigValues values = parse_values(root, base_dir);
    if (values.node_name.empty()) values.node_name = std::string(default_node_name);
    return std::make_shared<const Config>(std::move(values));
  } catch (const config_detail::Invalid& e) {
    return ConfigError{position(display_name, e.mark) + ": " + e.path + ": " + e.what()};
  } catch (const YAML::Exception& e) {
    return ConfigError{position(display_name, e.mark) + ": invalid YAML: " + e.msg};
  }
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path + ": cannot read config file", true};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigError{path + ": error while reading config file", true};
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return parse_config(text.str(), path, base_dir, host_name());
}

std::shared_ptr<const Config> default_config() {
  return std::get<std::shared_ptr<const Config>>(parse_config("", "<defaults>", "", host_name()));
}

std::string host_name() {
  // A DaemonSet sets this from the downward API (spec.nodeName): one ConfigMap serves every
  // node, and the host name is not always the Kubernetes node name.
  if (const char* node = std::getenv("PANGUARD_NODE_NAME"); node && *node) return node;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

}  // namespace panguard::agent
