// The counter store's parsers of what Redis answers: CLUSTER SLOTS, MOVED/ASK redirects and the
// three Lua scripts' replies. Redis runs outside the agent (and, without TLS, its answers can be
// forged on the wire), so a hostile reply must be refused, never crash or corrupt the slot map.
// The input is decoded into a Reply tree (depth and size bounded); the first byte picks the
// parser. Beyond not crashing, what they accept must hold up: slot ranges inside 0..16383 with
// first <= last and a host and port; a redirect's slot in range and a port.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/store/redis/cluster_slots.h"
#include "agent/store/redis/store_replies.h"

namespace {

using panguard::agent::redis::Reply;

void check(bool ok) {
  if (!ok) std::abort();
}

Reply decode(FuzzedDataProvider& input, int depth) {
  Reply reply;
  const int kind = input.ConsumeIntegralInRange<int>(0, depth > 0 ? 5 : 4);
  switch (kind) {
    case 0:
      reply.type = Reply::Type::kNil;
      break;
    case 1:
      reply.type = Reply::Type::kInteger;
      reply.integer = input.ConsumeIntegral<int64_t>();
      break;
    case 2:
      reply.type = Reply::Type::kString;
      reply.text = input.ConsumeRandomLengthString(64);
      break;
    case 3:
      reply.type = Reply::Type::kStatus;
      reply.text = input.ConsumeRandomLengthString(64);
      break;
    case 4:
      reply.type = Reply::Type::kError;
      reply.text = input.ConsumeRandomLengthString(64);
      break;
    default: {
      reply.type = Reply::Type::kArray;
      const int count = input.ConsumeIntegralInRange<int>(0, 8);
      for (int i = 0; i < count && input.remaining_bytes() > 0; ++i)
        reply.elements.push_back(decode(input, depth - 1));
    }
  }
  return reply;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace redis = panguard::agent::redis;
  FuzzedDataProvider input(data, size);
  const int parser = input.ConsumeIntegralInRange<int>(0, 4);
  if (parser == 0) {
    const std::string error = input.ConsumeRemainingBytesAsString();
    if (const auto redirect = redis::parse_redirect(error)) {
      check(redirect->slot >= 0 && redirect->slot < 16384);
      check(redirect->target.port != 0 && !redirect->target.host.empty());
    }
    return 0;
  }
  const Reply reply = decode(input, 4);
  switch (parser) {
    case 1:
      if (const auto ranges = redis::parse_cluster_slots(reply, "10.0.0.1")) {
        for (const auto& range : *ranges) {
          check(range.first >= 0 && range.first <= range.last && range.last < 16384);
          check(range.master.port != 0 && !range.master.host.empty());
        }
        redis::SlotMap map;
        map.assign(*ranges);
      }
      break;
    case 2:
      (void)redis::parse_rate_reply(reply);
      break;
    case 3:
      if (const auto usage = redis::parse_quota_reply(reply, 3))
        check(usage->sustained == (usage->windows_over >= 3));
      break;
    default:
      if (const auto dedup = redis::parse_dedup_reply(reply)) check(dedup->occurrences >= 1);
  }
  return 0;
}
