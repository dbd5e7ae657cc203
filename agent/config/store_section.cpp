#include "agent/config/store_section.h"

#include "agent/config/redis_address.h"
#include "agent/config/yaml_fields.h"

namespace panguard::agent::config_detail {
namespace {

std::vector<RedisAddress> redis_addresses(const YAML::Node& node, const std::string& path) {
  std::vector<RedisAddress> addresses;
  const std::vector<std::string> items = string_list(node, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto parsed = parse_redis_address(items[i]);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      throw Invalid(node[i].Mark(), path + "[" + std::to_string(i) + "]", *error);
    }
    addresses.push_back(std::get<RedisAddress>(parsed));
  }
  if (addresses.empty()) throw Invalid(node.Mark(), path, "must name at least one address");
  return addresses;
}

void parse_redis(const YAML::Node& node, const std::string& path, StoreSettings& store,
                 std::string_view base_dir) {
  walk_map(
      node, path,
      {
          {"mode",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_cluster = as_choice<bool>(n, p, {{"single", false}, {"cluster", true}});
           }},
          {"addresses",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_addresses = redis_addresses(n, p);
           }},
          {"connect_timeout_ms",
           [&](const YAML::Node& n, const std::string& p) {
             store.connect_timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
           }},
          {"command_timeout_ms",
           [&](const YAML::Node& n, const std::string& p) {
             store.command_timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
           }},
          {"username", [&](const YAML::Node& n,
                           const std::string& p) { store.redis_username = as_string(n, p); }},
          {"password_file",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_password_file = config_file_path(n, p, base_dir);
           }},
      });
}

}  // namespace

void parse_store(const YAML::Node& node, const std::string& path, StoreSettings& store,
                 std::string_view base_dir) {
  YAML::Mark redis_mark = YAML::Mark::null_mark();
  walk_map(node, path,
           {
               {"backend",
                [&](const YAML::Node& n, const std::string& p) {
                  store.backend = as_choice<StoreBackend>(
                      n, p, {{"memory", StoreBackend::kMemory}, {"redis", StoreBackend::kRedis}});
                }},
               {"failure_mode",
                [&](const YAML::Node& n, const std::string& p) {
                  store.failure_mode = as_choice<rules::StoreFailureMode>(
                      n, p,
                      {{"closed", rules::StoreFailureMode::kClosed},
                       {"open", rules::StoreFailureMode::kOpen},
                       {"local", rules::StoreFailureMode::kLocal}});
                }},
               {"expected_nodes",
                [&](const YAML::Node& n, const std::string& p) {
                  store.expected_nodes = static_cast<uint32_t>(size_in_range(n, p, 1, 100'000));
                }},
               {"degraded_report_period_ms",
                [&](const YAML::Node& n, const std::string& p) {
                  store.degraded_report_period_ms =
                      static_cast<int64_t>(size_in_range(n, p, 100, 86'400'000));
                }},
               {"redis",
                [&](const YAML::Node& n, const std::string& p) {
                  redis_mark = n.Mark();
                  parse_redis(n, p, store, base_dir);
                }},
           });
  if (store.backend == StoreBackend::kRedis && store.redis_addresses.empty()) {
    throw Invalid(node.Mark(), path + ".redis.addresses", "required with backend: redis");
  }
  if (store.backend == StoreBackend::kMemory && !redis_mark.is_null()) {
    throw Invalid(redis_mark, path + ".redis", "set only with backend: redis");
  }
}

}  // namespace panguard::agent::config_detail
