// Proves the fuzz ctests fail on a crash: this target aborts on one input, and its ctest
// (WILL_FAIL) passes only if running it over a corpus holding that input exits non-zero.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (std::string_view(reinterpret_cast<const char*>(data), size) == "crash-me") std::abort();
  return 0;
}
