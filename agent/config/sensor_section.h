// sensor.* (with sensor.kubernetes) and enforce.*: the eBPF sensor and in-kernel enforcement.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace panguard::agent::config_detail {

void parse_sensor(const YAML::Node& node, const std::string& path, SensorSettings& sensor,
                  std::string_view base_dir);

// Reads v.sensor, so it runs after sensor.* whatever the key order.
void parse_enforce(const YAML::Node& node, const std::string& path, ConfigValues& v);

}  // namespace panguard::agent::config_detail
