// libFuzzer target: parse_config on arbitrary text. Nothing may crash or escape as an exception
// (an uncaught one aborts, and libFuzzer reports it); every refusal is a clean error that names
// the file and a position or key, on one line; an accepted config is usable (node name set,
// route names unique and non-empty, tenant routes name their tenant) and parsing is
// deterministic: the same text gives the same answer twice.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config_loader.h"

using namespace panguard::agent;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "invariant broken: %s: [%.*s]\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::string outcome(const ConfigResult& result) {
  if (const auto* error = std::get_if<ConfigError>(&result)) return "error:" + error->message;
  const auto& config = std::get<std::shared_ptr<const Config>>(result);
  std::string text = "ok:" + config->node_name();
  for (const AlertRoute& route : config->alert_routes()) text += "|" + route.name;
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ConfigResult result = parse_config(text, "fuzz.yaml", "/etc/panguard", "fuzz-host");
  if (const auto* error = std::get_if<ConfigError>(&result)) {
    const std::string& message = error->message;
    if (!message.starts_with("fuzz.yaml")) fail("error does not name the file", message);
    if (message.find(": ") == std::string::npos) fail("error says nothing", message);
    if (message.size() > 64 * 1024) fail("error too long", message.substr(0, 200));
    if (error->io) fail("a parse error reported as an I/O error", message);
  } else {
    const auto& config = std::get<std::shared_ptr<const Config>>(result);
    if (!config) fail("null config", text);
    if (config->node_name().empty()) fail("empty node name", text);
    if (config->summary_period_ms() < 0) fail("negative summary period", text);
    std::set<std::string> names;
    for (const AlertRoute& route : config->alert_routes()) {
      if (route.name.empty() || !names.insert(route.name).second) fail("route name", route.name);
      if (route.scope == panguard::alerts::RouteScope::kTenant && route.tenant.empty()) {
        fail("tenant route without a tenant", route.name);
      }
      if (route.sink.type == SinkType::kNats && route.sink.nats.servers.empty()) {
        fail("nats route without servers", route.name);
      }
      if (route.sink.type == SinkType::kAlertmanager && route.sink.alertmanager.url.empty()) {
        fail("alertmanager route without url", route.name);
      }
    }
  }
  if (outcome(parse_config(text, "fuzz.yaml", "/etc/panguard", "fuzz-host")) != outcome(result)) {
    fail("two parses of the same text disagree", text);
  }
  return 0;
}
