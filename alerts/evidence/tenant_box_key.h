// A tenant's X25519 key pair for evidence: exports are sealed (libsodium crypto_box_seal) to the
// public half, so only the holder of the secret half — the tenant, not the platform's operators —
// can open them. Key files are one line of text, `panguard-box-public:<base64>` /
// `panguard-box-secret:<base64>`, so the two halves (and other keys) cannot be confused.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <variant>

#include "alerts/keys/node_key.h"

namespace panguard::alerts::evidence {

inline constexpr std::string_view kBoxSecretKeyName = "tenant.box.key";
inline constexpr std::string_view kBoxPublicKeyName = "tenant.box.pub";
inline constexpr std::size_t kBoxKeyBytes = 32;
inline constexpr std::size_t kKeyIdBytes = 8;  // shown as 16 hex digits

struct BoxPublicKey {
  std::array<unsigned char, kBoxKeyBytes> bytes{};
  // First 8 bytes of SHA-256 over the key, as for the node key's id (raw, or 16 hex digits).
  std::string raw_key_id() const;
  std::string key_id() const;
  std::string to_text() const;  // "panguard-box-public:<base64>"
};

// The secret half, wiped when destroyed.
class BoxSecretKey {
 public:
  explicit BoxSecretKey(const std::array<unsigned char, kBoxKeyBytes>& secret);
  ~BoxSecretKey();
  BoxSecretKey(const BoxSecretKey& other);
  BoxSecretKey& operator=(const BoxSecretKey&) = delete;

  const BoxPublicKey& public_key() const { return public_; }
  std::string to_text() const;  // "panguard-box-secret:<base64>"
  // crypto_box_seal_open: false when the box was sealed to another key or altered.
  bool open(std::string_view sealed, std::string& plaintext) const;

 private:
  std::array<unsigned char, kBoxKeyBytes> secret_{};
  BoxPublicKey public_;
};

using BoxPublicResult = std::variant<BoxPublicKey, KeyError>;
using BoxSecretResult = std::variant<BoxSecretKey, KeyError>;

BoxSecretResult generate_box_key();
// Sealed box: an ephemeral key pair per message, so the sender cannot open it afterwards either.
std::string seal_to(const BoxPublicKey& recipient, std::string_view plaintext);

BoxPublicResult parse_box_public_key(std::string_view text);
BoxSecretResult parse_box_secret_key(std::string_view text);
// `spec` is a tenant.box.pub file or the key's text itself (it starts with the public prefix).
BoxPublicResult load_box_public_key(const std::string& spec);
// Refuses a file that group or others can read, as for the node key.
BoxSecretResult load_box_secret_key_file(const std::string& path);

// keygen --tenant-box: DIR/tenant.box.key (0600) and DIR/tenant.box.pub (0644); never overwrites.
// Returns an error message, or empty on success.
std::string write_box_key_pair(const BoxSecretKey& key, const std::string& dir);

}  // namespace panguard::alerts::evidence
