// Receiver-side check of a Panguard (Standard Webhooks) request: signature against any of the
// receiver's secrets (constant-time compare), timestamp within a tolerance, id not seen before.
// Thread-safe. docs/alerts.md "SOC webhook" shows how a receiver uses it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace panguard::alerts::webhook {

struct VerifierOptions {
  // Secret file contents, same forms as WebhookOptions::secrets ("whsec_<base64>" or raw bytes).
  // A request passes when any signature in its header matches any of these.
  std::vector<std::string> secrets;
  // |now - webhook-timestamp| must not exceed this.
  std::chrono::seconds tolerance{300};
  // Ids remembered for replay detection, oldest forgotten first. Size it above the number of
  // messages a receiver gets within 2 × tolerance: older ids fail the timestamp check anyway.
  std::size_t max_seen_ids = 100'000;
};

enum class VerifyResult {
  kOk,
  kMissingHeader,        // an empty id, timestamp or signature
  kBadTimestamp,         // not a decimal unix time
  kTimestampOutOfRange,  // older or newer than the tolerance
  kBadSignature,         // no v1 signature matches any secret (tampered body, wrong secret)
  kReplayed,             // a valid request whose id was already accepted
};

std::string_view verify_result_name(VerifyResult result);

class WebhookVerifier {
 public:
  // Throws std::invalid_argument when there is no secret or one cannot be decoded.
  explicit WebhookVerifier(VerifierOptions options);

  // Checks one request; on kOk remembers the id so the same id is kReplayed later. A receiver
  // that fails to process an accepted request calls forget(id) so the sender's retry passes.
  // A receiver should answer 2xx to kReplayed (it already has the message) and 4xx otherwise.
  VerifyResult verify(std::string_view id, std::string_view timestamp,
                      std::string_view signature_header, std::string_view body,
                      std::chrono::system_clock::time_point now);
  void forget(std::string_view id);

 private:
  const std::vector<std::string> keys_;
  const std::chrono::seconds tolerance_;
  const std::size_t max_seen_ids_;
  std::mutex mutex_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> seen_order_;
};

}  // namespace panguard::alerts::webhook
