// The eBPF sensor's two parsers of workload-controlled bytes: the cgroup path layout (a pod's
// cgroup names are chosen by its runtime, but nested cgroups by the workload) and the NATS
// protocol prefix captured from a send. The first byte picks the parser; the rest is the input.
// Beyond not crashing, what they accept must hold up: a pod result carries a valid pod UID and
// an empty or valid container id; every NATS command has a known verb and a non-empty subject.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/identity/cgroup_layout.h"
#include "agent/sources/bpf/nats_prefix.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    using panguard::agent::identity::LayoutResult;
    const LayoutResult result = panguard::agent::identity::parse_kubepods_path(input);
    if (result.status == LayoutResult::Status::kPod) {
      check(panguard::agent::identity::is_pod_uid(result.pod.pod_uid));
      check(result.pod.container_id.empty() ||
            panguard::agent::identity::is_container_id(result.pod.container_id));
    }
    if (result.status == LayoutResult::Status::kRejected) check(!result.reason.empty());
  } else {
    const auto parsed = panguard::agent::sensor::parse_nats_prefix(input);
    for (const auto& command : parsed.commands) {
      check(command.op == "PUB" || command.op == "HPUB" || command.op == "SUB");
      check(!command.subject.empty());
      (void)panguard::agent::sensor::subject_tenant(command.subject);
    }
  }
  return 0;
}
