// libFuzzer target: the input is one output template. Parsing must never crash; a template that
// parses must render against hostile events without crashing, and when the template itself has
// no control bytes the rendered line must have none either: values cannot forge log lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/output_template.h"
#include "tests/fuzz/fuzz_events.h"

using namespace panguard::rules;

namespace {

bool has_control_bytes(std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  OutputTemplate output;
  std::size_t error_offset = 0;
  const std::string error = OutputTemplate::parse(text, output, &error_offset);
  if (!error.empty()) {
    if (error_offset > text.size()) std::abort();
    return 0;
  }
  const bool clean_template = !has_control_bytes(text);
  for (const Event& event : panguard::fuzz::fixed_events()) {
    const std::string line = output.render(event);
    if (clean_template && has_control_bytes(line)) std::abort();
  }
  return 0;
}
