// alerts.routes: named routes (scope, tenant, priority floor, sink), checked across routes for
// unique names and for one writer per audit directory or spool.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.h"

namespace panguard::agent::config_detail {

std::vector<AlertRoute> alert_routes(const YAML::Node& node, const std::string& path,
                                     std::string_view base_dir);

}  // namespace panguard::agent::config_detail
