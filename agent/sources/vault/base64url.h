// Strict base64url (RFC 4648 section 5) as JWS uses it: URL alphabet, no padding, no whitespace,
// canonical trailing bits. Anything else is rejected, never repaired, so that one token has exactly
// one byte form and two parsers cannot disagree about it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace panguard::vault {

// The decoded bytes, or nullopt for: a byte outside [A-Za-z0-9_-] (so '=', '+', '/', whitespace),
// a length with remainder 1 modulo 4 (no byte string encodes to it), or non-zero unused bits in
// the last character (a second spelling of the same bytes). The empty string decodes to empty.
std::optional<std::string> decode_base64url(std::string_view text);

// Unpadded base64url of `bytes`; the one spelling decode_base64url accepts.
std::string encode_base64url(std::string_view bytes);

}  // namespace panguard::vault
