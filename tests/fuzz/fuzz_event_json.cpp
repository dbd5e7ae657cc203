// libFuzzer target: the input is one JSON event line. parse_event_json must never crash; an
// event it accepts must survive event_to_json -> parse_event_json unchanged, and printing it
// again must give the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "rules/event_json.h"

using namespace panguard::rules;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto parsed = parse_event_json(std::string_view(reinterpret_cast<const char*>(data), size));
  const Event* event = std::get_if<Event>(&parsed);
  if (!event) return 0;
  const std::string json = event_to_json(*event);
  auto again = parse_event_json(json);
  const Event* round_tripped = std::get_if<Event>(&again);
  if (!round_tripped) {
    std::fprintf(stderr, "event_to_json output does not parse: %s\n%s\n", json.c_str(),
                 std::get<EventParseError>(again).message.c_str());
    std::abort();
  }
  if (!(*round_tripped == *event)) {
    std::fprintf(stderr, "round trip changed the event: %s\n", json.c_str());
    std::abort();
  }
  if (event_to_json(*round_tripped) != json) std::abort();
  return 0;
}
