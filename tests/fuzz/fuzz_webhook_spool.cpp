// Spool segment bytes → scan_records: must never crash, read out of bounds or misparse. Every
// record it returns must re-encode to bytes that scan back to the same record, and the records
// plus the counted corruption must account for the input (valid_end within bounds).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerts/webhook/spool_record.h"

using panguard::alerts::webhook::encode_record;
using panguard::alerts::webhook::scan_records;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto scan = scan_records(bytes);
  if (scan.valid_end > size) std::abort();
  for (const auto& record : scan.records) {
    const auto again = scan_records(encode_record(record));
    if (again.records.size() != 1 || !(again.records[0] == record) || again.corrupt != 0 ||
        again.torn_tail) {
      std::abort();
    }
  }
  return 0;
}
