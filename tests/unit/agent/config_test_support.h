// Parsing config text in unit tests: the result, the frozen Config, or the error message.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agent/config/config_loader.h"

namespace panguard::agent::testing {

inline ConfigResult parse(const std::string& yaml) {
  return parse_config(yaml, "config.yaml", "/etc/panguard", "host-a");
}

// The Config, or nullptr after recording a test failure with the error.
inline std::shared_ptr<const Config> parse_ok(const std::string& yaml) {
  auto result = parse(yaml);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Config>>(result);
}

// Whether an error message mentions `part`.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The error message, or "" after recording a test failure when the text was accepted.
inline std::string parse_error(const std::string& yaml) {
  auto result = parse(yaml);
  if (auto* error = std::get_if<ConfigError>(&result)) return error->message;
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return "";
}

}  // namespace panguard::agent::testing
