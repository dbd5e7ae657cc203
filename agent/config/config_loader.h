// Reads and validates the YAML config. Strict: unknown keys, duplicate keys and wrong types are
// errors that name the file, position and key path, e.g.
//   config.yaml:4:11: admin.listen: expected "host:port"
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

struct ConfigError {
  std::string message;  // complete, ready to print
  bool io = false;      // the file could not be read (runtime failure, not a validation error)
};

using ConfigResult = std::variant<std::shared_ptr<const Config>, ConfigError>;

// `display_name` prefixes errors; `base_dir` resolves relative rules.paths (the config file's
// directory); `default_node_name` is used when node_name is not set (the host name).
ConfigResult parse_config(std::string_view yaml_text, std::string_view display_name,
                          std::string_view base_dir, std::string_view default_node_name);

// Reads `path` and parses it. Relative rules.paths resolve against the file's directory.
ConfigResult load_config_file(const std::string& path);

// Defaults only, as if an empty config file were given.
std::shared_ptr<const Config> default_config();

// The default node name: $PANGUARD_NODE_NAME when set, else the host name, else "unknown".
std::string host_name();

}  // namespace panguard::agent
