#include "agent/config/alert_routes_section.h"

#include "agent/config/alert_sink_section.h"
#include "agent/config/yaml_fields.h"
#include "rules/priority.h"

namespace panguard::agent::config_detail {
namespace {

AlertRoute alert_route(const YAML::Node& node, const std::string& path, std::string_view base_dir) {
  if (!node.IsMap()) throw Invalid(node.Mark(), path, "expected a mapping");
  AlertRoute route;
  YAML::Mark tenant_mark = YAML::Mark::null_mark();
  YAML::Mark include_mark = YAML::Mark::null_mark();
  bool has_scope = false;
  bool has_sink = false;
  walk_map(node, path,
           {
               {"name", [&](const YAML::Node& n,
                            const std::string& p) { route.name = non_empty_string(n, p); }},
               {"scope",
                [&](const YAML::Node& n, const std::string& p) {
                  has_scope = true;
                  route.scope = as_choice<alerts::RouteScope>(
                      n, p,
                      {{"tenant", alerts::RouteScope::kTenant},
                       {"all_tenants", alerts::RouteScope::kAllTenants},
                       {"platform", alerts::RouteScope::kPlatform}});
                }},
               {"tenant",
                [&](const YAML::Node& n, const std::string& p) {
                  tenant_mark = n.Mark();
                  route.tenant = non_empty_string(n, p);
                }},
               {"min_priority",
                [&](const YAML::Node& n, const std::string& p) {
                  const auto priority = rules::parse_priority(as_string(n, p));
                  if (!priority) {
                    throw Invalid(n.Mark(), p,
                                  "expected a priority (emergency, alert, critical, error, "
                                  "warning, notice, informational, debug)");
                  }
                  route.min_priority = *priority;
                }},
               {"include_platform",
                [&](const YAML::Node& n, const std::string& p) {
                  include_mark = n.Mark();
                  route.include_platform = as_bool(n, p);
                }},
               {"sink",
                [&](const YAML::Node& n, const std::string& p) {
                  has_sink = true;
                  parse_sink(n, p, route.sink, base_dir);
                }},
           });
  if (route.name.empty()) throw Invalid(node.Mark(), path + ".name", "required");
  if (!has_scope) {
    throw Invalid(node.Mark(), path + ".scope", "required (tenant | all_tenants | platform)");
  }
  if (!has_sink) throw Invalid(node.Mark(), path + ".sink", "required");
  if (route.scope == alerts::RouteScope::kTenant && route.tenant.empty()) {
    throw Invalid(node.Mark(), path + ".tenant", "required with scope: tenant");
  }
  if (route.scope != alerts::RouteScope::kTenant && !tenant_mark.is_null()) {
    throw Invalid(tenant_mark, path + ".tenant", "set only with scope: tenant");
  }
  if (route.scope != alerts::RouteScope::kAllTenants && !include_mark.is_null()) {
    throw Invalid(include_mark, path + ".include_platform", "set only with scope: all_tenants");
  }
  return route;
}

}  // namespace

std::vector<AlertRoute> alert_routes(const YAML::Node& node, const std::string& path,
                                     std::string_view base_dir) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) throw Invalid(node.Mark(), path, "expected a list of routes");
  std::vector<AlertRoute> routes;
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> owned_dirs;  // a directory one sink writes, by its owner
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    routes.push_back(alert_route(node[i], item_path, base_dir));
    const AlertRoute& route = routes.back();
    if (!names.emplace(route.name, item_path).second) {
      throw Invalid(node[i]["name"].Mark(), item_path + ".name",
                    "duplicate route name (also " + names[route.name] + ")");
    }
    // Two writers on one audit directory or spool would corrupt each other's chains.
    std::string dir;
    if (route.sink.type == SinkType::kAuditFile) dir = route.sink.audit.dir;
    if (route.sink.type == SinkType::kWebhook) dir = route.sink.webhook.spool_dir;
    // "/x" and "/x/" are one directory.
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (!dir.empty() && !owned_dirs.emplace(dir, item_path).second) {
      throw Invalid(node[i]["sink"].Mark(), item_path + ".sink",
                    "directory " + dir + " is already used by " + owned_dirs[dir]);
    }
  }
  return routes;
}

}  // namespace panguard::agent::config_detail
