// Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>", the signature base64(HMAC-SHA256(key, content)),
// sent as "v1,<signature>", one per secret, space-separated. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace panguard::alerts::webhook {

// Secret file contents → HMAC key. Trailing whitespace is trimmed. "whsec_<base64>" yields the
// decoded bytes (strict standard base64 with padding); anything else non-empty is the key as-is.
// nullopt: empty, or whsec_ with bad base64 or an empty key.
std::optional<std::string> decode_webhook_secret(std::string_view contents);

std::string base64_encode(std::string_view bytes);
// Strict: standard alphabet, padding required, no whitespace. nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

// base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), without the "v1," prefix.
std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp,
                              std::string_view body);

// "v1,<sig1> v1,<sig2> ..." for every key, in order.
std::string webhook_signature_header(const std::vector<std::string>& keys, std::string_view id,
                                     int64_t timestamp, std::string_view body);

// The webhook-id of a message: the alert id for a single alert, otherwise
// "batch_" + the first 32 hex digits of SHA-256 over the member ids joined by '\n'. Deterministic,
// so a retry (or a replay after restart) of the same batch carries the same id.
std::string message_id(const std::vector<std::string_view>& alert_ids);

}  // namespace panguard::alerts::webhook
