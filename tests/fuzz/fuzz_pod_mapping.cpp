// The static pod mapping file (sensor.pod_mapping_file): pod UID -> namespace/name/containers,
// namespace -> tenant. It decides which tenant a kernel event belongs to, so what it accepts
// must hold up: every tenant it answers is non-empty, and it never crashes or hangs on YAML
// (anchors, aliases, deep nesting, duplicate keys, odd scalars).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include "agent/identity/static_pod_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panguard::agent::identity::StaticPodDirectory;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = StaticPodDirectory::parse(text, "fuzz.yaml");
  if (auto* error = std::get_if<std::string>(&parsed)) {
    if (error->empty()) std::abort();  // every refusal says why
    return 0;
  }
  const auto& directory = *std::get<std::unique_ptr<StaticPodDirectory>>(parsed);
  for (const char* name : {"acme", "globex", "default", ""}) {
    if (const auto tenant = directory.tenant_of_namespace(name); tenant && tenant->empty())
      std::abort();
  }
  return 0;
}
