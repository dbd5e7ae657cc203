// The node's Ed25519 key pair: signs audit checkpoints and evidence exports. Keys live
// in PEM files written by `panguard keygen`: PKCS#8 private key (mode 0600) and SPKI public key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace panguard::alerts {

// Opaque holder of an OpenSSL EVP_PKEY; private or public only, as loaded.
class NodeKey {
 public:
  struct Impl;
  explicit NodeKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  // 64-byte Ed25519 signature; empty when this key holds no private half or signing failed.
  std::string sign(std::string_view message) const;
  bool verify(std::string_view message, std::string_view signature) const;
  // First 16 hex digits of SHA-256 over the raw 32-byte public key: names the key in records.
  std::string key_id() const;
  std::string public_pem() const;
  std::string private_pem() const;     // empty for a public-only key
  std::string raw_public_key() const;  // the 32 raw Ed25519 public key bytes

 private:
  std::shared_ptr<Impl> impl_;
};

struct KeyError {
  std::string message;
};

using KeyResult = std::variant<NodeKey, KeyError>;

KeyResult generate_node_key();
// Refuses a private key file that group or others can read: the key would not be the node's.
KeyResult load_private_key_file(const std::string& path);
KeyResult load_public_key_file(const std::string& path);
// A public-only key from its 32 raw bytes (as embedded in evidence files).
KeyResult public_key_from_raw(std::string_view raw);

// keygen: writes DIR/node.key (0600) and DIR/node.pub; never overwrites either file.
// Returns an error message, or empty on success.
std::string write_key_pair(const NodeKey& key, const std::string& dir);

inline constexpr std::string_view kPrivateKeyName = "node.key";
inline constexpr std::string_view kPublicKeyName = "node.pub";

}  // namespace panguard::alerts
