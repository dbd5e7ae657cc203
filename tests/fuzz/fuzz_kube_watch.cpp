// libFuzzer target: the input is a Kubernetes watch response body (newline-delimited JSON) as the
// API server — or anything pretending to be it — would send. Framing must not depend on how the
// network cuts the stream and must stay within its bound; every object is an event or a short
// printable error; pods and namespaces that parse carry only well-formed UIDs, container ids and
// tenant ids; the cursor's resourceVersion follows the events. The same bytes as a LIST body too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/identity/cgroup_layout.h"
#include "agent/identity/kube/kube_objects.h"
#include "agent/identity/kube/watch_cursor.h"
#include "agent/identity/kube/watch_stream.h"
#include "agent/sources/vault/tenant_id.h"

namespace {

using namespace panguard::agent::identity;
using namespace panguard::agent::identity::kube;

constexpr std::size_t kMaxObjectBytes = 4096;  // small, so over-long objects are reachable
constexpr std::size_t kMaxErrorBytes = 400;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

struct Framed {
  std::vector<std::string> objects;
  std::string error;
  bool operator==(const Framed&) const = default;
};

Framed frame(std::string_view stream, std::size_t piece) {
  WatchLineFramer framer(kMaxObjectBytes);
  Framed out;
  for (std::size_t at = 0; at < stream.size() && out.error.empty(); at += piece) {
    out.error = framer.feed(stream.substr(at, piece), [&](std::string_view object) {
      if (object.size() > kMaxObjectBytes) fail("object over the bound");
      out.objects.emplace_back(object);
      return true;
    });
    if (framer.buffered_bytes() > kMaxObjectBytes) fail("framer buffered past its bound");
  }
  if (out.error.empty()) out.error = framer.finish();
  return out;
}

void check_error(const std::string& error) {
  if (error.empty() || error.size() > kMaxErrorBytes) fail("error message size");
  for (const char c : error) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) fail("non-printable byte in an error message");
  }
}

void check_pod(const nlohmann::json& object) {
  const auto parsed = parse_pod(object);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    check_error(*error);
    return;
  }
  const PodRecord& pod = std::get<PodRecord>(parsed);
  if (!is_pod_uid(pod.uid)) fail("pod accepted with a malformed UID");
  if (pod.info.name.empty() || pod.info.namespace_name.empty()) fail("pod without a name");
  if (pod.info.name.size() > 253 || pod.info.namespace_name.size() > 253) fail("name too long");
  for (const auto& [id, name] : pod.info.containers) {
    if (!is_container_id(id)) fail("container id not 64 hex");
    if (name.empty()) fail("container without a name");
  }
}

void check_namespace(const nlohmann::json& object) {
  const auto parsed = parse_namespace(object, "panguard.io/tenant");
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    check_error(*error);
    return;
  }
  const NamespaceRecord& ns = std::get<NamespaceRecord>(parsed);
  if (ns.name.empty()) fail("namespace without a name");
  if (ns.tenant && !panguard::vault::is_valid_tenant_id(*ns.tenant)) fail("invalid tenant id");
  if (ns.tenant && !ns.tenant_problem.empty()) fail("tenant kept despite a problem");
  if (!ns.tenant_problem.empty()) check_error(ns.tenant_problem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const Framed whole = frame(stream, stream.size() + 1);
  if (!(frame(stream, 1 + size % 61) == whole)) fail("framing depends on chunking");

  WatchCursor cursor;
  cursor.listed("1");
  for (const std::string& object : whole.objects) {
    const auto parsed = parse_watch_event(object);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
      check_error(*error);
      continue;
    }
    const WatchEvent& event = std::get<WatchEvent>(parsed);
    const EventStep step = cursor.on_event(event);
    if (event.type == WatchEventType::kError) {
      if ((event.error_code == 410) != (step == EventStep::kRelist)) fail("410 not a relist");
      if (step == EventStep::kRelist) cursor.listed("1");
      continue;
    }
    if (event.resource_version.empty()) fail("event without a resourceVersion");
    if (cursor.resource_version() != event.resource_version) fail("cursor did not follow");
    if (event.type == WatchEventType::kBookmark) continue;
    check_pod(event.object);
    check_namespace(event.object);
  }

  const auto list = parse_list(stream);
  if (const auto* error = std::get_if<std::string>(&list)) {
    check_error(*error);
  } else {
    for (const auto& item : std::get<ListResponse>(list).items) {
      check_pod(item);
      check_namespace(item);
    }
  }
  return 0;
}
