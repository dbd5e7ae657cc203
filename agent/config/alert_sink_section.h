// alerts.routes[].sink: one parser per sink type (stdout, audit_file, webhook, nats,
// alertmanager), each allowing only its own keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace panguard::agent::config_detail {

// alerts.format and a stdout / nats sink's format.
alerts::AlertFormat alert_format(const YAML::Node& node, const std::string& path);

void parse_sink(const YAML::Node& node, const std::string& path, SinkSettings& sink,
                std::string_view base_dir);

}  // namespace panguard::agent::config_detail
