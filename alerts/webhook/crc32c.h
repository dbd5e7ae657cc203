// CRC-32C (Castagnoli), the checksum of spool records. Software, table-driven; no I/O.
#pragma once

#include <cstdint>
#include <string_view>

namespace panguard::alerts::webhook {

// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace panguard::alerts::webhook
