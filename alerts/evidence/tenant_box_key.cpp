#include "alerts/evidence/tenant_box_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "alerts/audit/audit_hash.h"
#include "alerts/evidence/new_file.h"

namespace panguard::alerts::evidence {
namespace {

constexpr std::string_view kPublicPrefix = "panguard-box-public:";
constexpr std::string_view kSecretPrefix = "panguard-box-secret:";
constexpr std::size_t kMaxKeyFile = 4096;

// sodium_init is idempotent and thread-safe; it fails only without a usable random source, and
// sealing with no randomness must not happen.
void ensure_sodium() {
  if (sodium_init() < 0) std::abort();
}

std::string encode(std::string_view prefix, const unsigned char* key) {
  char text[sodium_base64_ENCODED_LEN(kBoxKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, key, kBoxKeyBytes, sodium_base64_VARIANT_ORIGINAL);
  return std::string(prefix) + text;
}

// One line: the prefix, the base64 key, an optional trailing newline; nothing else.
bool decode(std::string_view text, std::string_view prefix,
            std::array<unsigned char, kBoxKeyBytes>& key) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  return length == kBoxKeyBytes && end == text.data() + text.size();
}

}  // namespace

std::string BoxPublicKey::raw_key_id() const {
  const auto digest = from_hex(
      sha256_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  return digest->substr(0, kKeyIdBytes);
}

std::string BoxPublicKey::key_id() const { return to_hex(raw_key_id()); }

std::string BoxPublicKey::to_text() const { return encode(kPublicPrefix, bytes.data()); }

BoxSecretKey::BoxSecretKey(const std::array<unsigned char, kBoxKeyBytes>& secret)
    : secret_(secret) {
  ensure_sodium();
  crypto_scalarmult_base(public_.bytes.data(), secret_.data());
}

BoxSecretKey::BoxSecretKey(const BoxSecretKey& other)
    : secret_(other.secret_), public_(other.public_) {}

BoxSecretKey::~BoxSecretKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string BoxSecretKey::to_text() const { return encode(kSecretPrefix, secret_.data()); }

bool BoxSecretKey::open(std::string_view sealed, std::string& plaintext) const {
  ensure_sodium();
  if (sealed.size() < crypto_box_SEALBYTES) return false;
  plaintext.assign(sealed.size() - crypto_box_SEALBYTES, '\0');
  return crypto_box_seal_open(reinterpret_cast<unsigned char*>(plaintext.data()),
                              reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                              public_.bytes.data(), secret_.data()) == 0;
}

BoxSecretResult generate_box_key() {
  ensure_sodium();
  std::array<unsigned char, kBoxKeyBytes> public_key{};
  std::array<unsigned char, kBoxKeyBytes> secret{};
  crypto_box_keypair(public_key.data(), secret.data());
  BoxSecretKey key(secret);
  sodium_memzero(secret.data(), secret.size());
  return key;
}

std::string seal_to(const BoxPublicKey& recipient, std::string_view plaintext) {
  ensure_sodium();
  std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                  reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                  recipient.bytes.data());
  return sealed;
}

BoxPublicResult parse_box_public_key(std::string_view text) {
  ensure_sodium();
  BoxPublicKey key;
  if (!decode(text, kPublicPrefix, key.bytes)) {
    return KeyError{"not a tenant box public key (expected " + std::string(kPublicPrefix) +
                    "<base64 of 32 bytes>)"};
  }
  return key;
}

BoxSecretResult parse_box_secret_key(std::string_view text) {
  ensure_sodium();
  std::array<unsigned char, kBoxKeyBytes> secret{};
  if (!decode(text, kSecretPrefix, secret)) {
    return KeyError{"not a tenant box secret key (expected " + std::string(kSecretPrefix) +
                    "<base64 of 32 bytes>)"};
  }
  BoxSecretKey key(secret);
  sodium_memzero(secret.data(), secret.size());
  return key;
}

BoxPublicResult load_box_public_key(const std::string& spec) {
  if (spec.starts_with(kPublicPrefix)) return parse_box_public_key(spec);
  std::string text;
  if (std::string error = read_small_file(spec, kMaxKeyFile, text); !error.empty()) {
    return KeyError{error};
  }
  auto key = parse_box_public_key(text);
  if (auto* error = std::get_if<KeyError>(&key)) error->message = spec + ": " + error->message;
  return key;
}

BoxSecretResult load_box_secret_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return KeyError{path + ": " + std::strerror(errno)};
  if ((st.st_mode & 077) != 0) {
    return KeyError{path + ": secret key is readable by group or others (chmod 600)"};
  }
  std::string text;
  if (std::string error = read_small_file(path, kMaxKeyFile, text); !error.empty()) {
    return KeyError{error};
  }
  auto key = parse_box_secret_key(text);
  sodium_memzero(text.data(), text.size());
  if (auto* error = std::get_if<KeyError>(&key)) error->message = path + ": " + error->message;
  return key;
}

std::string write_box_key_pair(const BoxSecretKey& key, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return dir + ": " + ec.message();
  const std::string secret_path = (std::filesystem::path(dir) / kBoxSecretKeyName).string();
  const std::string public_path = (std::filesystem::path(dir) / kBoxPublicKeyName).string();
  if (std::filesystem::exists(secret_path) || std::filesystem::exists(public_path)) {
    return dir + ": a tenant box key pair is already there; refusing to overwrite it";
  }
  std::string secret_text = key.to_text() + "\n";
  std::string error = write_new_file(secret_path, secret_text, 0600);
  sodium_memzero(secret_text.data(), secret_text.size());
  if (!error.empty()) return error;
  return write_new_file(public_path, key.public_key().to_text() + "\n", 0644);
}

}  // namespace panguard::alerts::evidence
