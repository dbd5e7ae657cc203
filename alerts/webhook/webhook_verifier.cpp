#include "alerts/webhook/webhook_verifier.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <stdexcept>

#include "alerts/webhook/webhook_signature.h"

namespace panguard::alerts::webhook {
namespace {

std::vector<std::string> decode_keys(const std::vector<std::string>& secrets) {
  if (secrets.empty()) throw std::invalid_argument("webhook verifier: no secret");
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    auto key = decode_webhook_secret(secrets[i]);
    if (!key) {
      throw std::invalid_argument("webhook verifier: secret " + std::to_string(i + 1) +
                                  " is empty or not valid whsec_<base64>");
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace

std::string_view verify_result_name(VerifyResult result) {
  switch (result) {
    case VerifyResult::kOk:
      return "ok";
    case VerifyResult::kMissingHeader:
      return "missing header";
    case VerifyResult::kBadTimestamp:
      return "bad timestamp";
    case VerifyResult::kTimestampOutOfRange:
      return "timestamp out of tolerance";
    case VerifyResult::kBadSignature:
      return "bad signature";
    case VerifyResult::kReplayed:
      return "replayed id";
  }
  return "unknown";
}

WebhookVerifier::WebhookVerifier(VerifierOptions options)
    : keys_(decode_keys(options.secrets)),
      tolerance_(options.tolerance),
      max_seen_ids_(std::max<std::size_t>(options.max_seen_ids, 1)) {}

VerifyResult WebhookVerifier::verify(std::string_view id, std::string_view timestamp,
                                     std::string_view signature_header, std::string_view body,
                                     std::chrono::system_clock::time_point now) {
  if (id.empty() || timestamp.empty() || signature_header.empty()) {
    return VerifyResult::kMissingHeader;
  }
  if (timestamp.size() > 18 || !std::all_of(timestamp.begin(), timestamp.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
    return VerifyResult::kBadTimestamp;
  }
  int64_t ts = 0;
  for (char c : timestamp) ts = ts * 10 + (c - '0');
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (ts < now_s - tolerance_.count() || ts > now_s + tolerance_.count()) {
    return VerifyResult::kTimestampOutOfRange;
  }

  bool matched = false;
  for (const auto& key : keys_) {
    const std::string expected = webhook_signature(key, id, ts, body);
    std::string_view rest = signature_header;
    while (!rest.empty()) {
      const std::size_t space = rest.find(' ');
      const std::string_view entry = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      if (entry.substr(0, 3) != "v1,") continue;  // other schemes (v1a, ...) are not ours
      const std::string_view given = entry.substr(3);
      // Lengths are public (base64 of 32 bytes); the contents are compared in constant time.
      if (given.size() == expected.size() &&
          CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) {
        matched = true;
      }
    }
  }
  if (!matched) return VerifyResult::kBadSignature;

  std::lock_guard lock(mutex_);
  if (!seen_.emplace(id).second) return VerifyResult::kReplayed;
  seen_order_.emplace_back(id);
  while (seen_order_.size() > max_seen_ids_) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return VerifyResult::kOk;
}

void WebhookVerifier::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  seen_.erase(std::string(id));  // the order entry stays; erasing a missing id later is harmless
}

}  // namespace panguard::alerts::webhook
