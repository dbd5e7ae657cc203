// store.*: the counter store backend (memory or Redis) and its Redis connection.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace panguard::agent::config_detail {

void parse_store(const YAML::Node& node, const std::string& path, StoreSettings& store,
                 std::string_view base_dir);

}  // namespace panguard::agent::config_detail
