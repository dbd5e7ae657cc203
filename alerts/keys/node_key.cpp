#include "alerts/keys/node_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "alerts/audit/audit_hash.h"

namespace panguard::alerts {

struct NodeKey::Impl {
  EVP_PKEY* key = nullptr;
  bool has_private = false;
  ~Impl() { EVP_PKEY_free(key); }
};

namespace {

std::shared_ptr<NodeKey::Impl> wrap(EVP_PKEY* key, bool has_private) {
  auto impl = std::make_shared<NodeKey::Impl>();
  impl->key = key;
  impl->has_private = has_private;
  return impl;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::variant<std::string, KeyError> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return KeyError{path + ": cannot read key file"};
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 64 * 1024) return KeyError{path + ": key file too large"};
  return text.str();
}

bool is_ed25519(EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519; }

// Writes `text` to a new file with `mode`; O_EXCL so an existing key is never replaced.
std::string write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return path + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  // fchmod too: the umask may have narrowed the public key's mode, never widened the private's.
  const bool ok = ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? std::string() : path + ": cannot finish writing";
}

}  // namespace

std::string NodeKey::sign(std::string_view message) const {
  if (!impl_->has_private) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  const bool ok =
      ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || length != 64) return {};
  return signature;
}

bool NodeKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string NodeKey::key_id() const {
  const std::string raw = raw_public_key();
  return raw.empty() ? std::string() : sha256_hex(raw).substr(0, 16);
}

std::string NodeKey::raw_public_key() const {
  std::array<unsigned char, 32> raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(impl_->key, raw.data(), &length) != 1) return {};
  return std::string(reinterpret_cast<const char*>(raw.data()), length);
}

std::string NodeKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string text;
  if (bio && PEM_write_bio_PUBKEY(bio, impl_->key) == 1) text = bio_text(bio);
  BIO_free(bio);
  return text;
}

std::string NodeKey::private_pem() const {
  if (!impl_->has_private) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  std::string text;
  if (bio && PEM_write_bio_PrivateKey(bio, impl_->key, nullptr, nullptr, 0, nullptr, nullptr) == 1)
    text = bio_text(bio);
  BIO_free(bio);
  return text;
}

KeyResult generate_node_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) return KeyError{"Ed25519 key generation failed"};
  return NodeKey(wrap(key, true));
}

KeyResult load_private_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return KeyError{path + ": " + std::strerror(errno)};
  if ((st.st_mode & 077) != 0) {
    return KeyError{path + ": private key is readable by group or others (chmod 600)"};
  }
  auto text = read_small_file(path);
  if (auto* error = std::get_if<KeyError>(&text)) return *error;
  const std::string& pem = std::get<std::string>(text);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!key) return KeyError{path + ": not a PEM private key"};
  if (!is_ed25519(key)) {
    EVP_PKEY_free(key);
    return KeyError{path + ": not an Ed25519 key"};
  }
  return NodeKey(wrap(key, true));
}

KeyResult load_public_key_file(const std::string& path) {
  auto text = read_small_file(path);
  if (auto* error = std::get_if<KeyError>(&text)) return *error;
  const std::string& pem = std::get<std::string>(text);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!key) return KeyError{path + ": not a PEM public key"};
  if (!is_ed25519(key)) {
    EVP_PKEY_free(key);
    return KeyError{path + ": not an Ed25519 key"};
  }
  return NodeKey(wrap(key, false));
}

KeyResult public_key_from_raw(std::string_view raw) {
  if (raw.size() != 32) return KeyError{"an Ed25519 public key is 32 bytes"};
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (!key) return KeyError{"not an Ed25519 public key"};
  return NodeKey(wrap(key, false));
}

std::string write_key_pair(const NodeKey& key, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return dir + ": " + ec.message();
  const std::string private_path = (std::filesystem::path(dir) / kPrivateKeyName).string();
  const std::string public_path = (std::filesystem::path(dir) / kPublicKeyName).string();
  if (std::filesystem::exists(private_path) || std::filesystem::exists(public_path)) {
    return dir + ": a key pair is already there; refusing to overwrite it";
  }
  if (std::string error = write_new_file(private_path, key.private_pem(), 0600); !error.empty())
    return error;
  return write_new_file(public_path, key.public_pem(), 0644);
}

}  // namespace panguard::alerts
