// Event sources: where a normalized Event came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace panguard::rules {

enum class Source : uint8_t { kVault, kNats, kProcess, kNetwork, kUsage, kPlatform };
inline constexpr std::size_t kSourceCount = 6;

using SourceMask = uint32_t;
inline constexpr SourceMask kVault = 1u << 0;
inline constexpr SourceMask kNats = 1u << 1;
inline constexpr SourceMask kProcess = 1u << 2;
inline constexpr SourceMask kNetwork = 1u << 3;
inline constexpr SourceMask kUsage = 1u << 4;
inline constexpr SourceMask kPlatform = 1u << 5;
inline constexpr SourceMask kAnySource = (1u << kSourceCount) - 1;

constexpr SourceMask source_bit(Source s) { return 1u << static_cast<unsigned>(s); }

std::string_view source_name(Source s);
std::optional<Source> parse_source(std::string_view name);

}  // namespace panguard::rules
