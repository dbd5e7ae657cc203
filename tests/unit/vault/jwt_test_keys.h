// Test keys and token signing for the session JWT tests: fresh RSA-2048, P-256 and Ed25519 keys
// from OpenSSL, their public JWKs, and compact JWS tokens built from raw JSON text (so tests can
// write duplicate keys and other things a JSON library would refuse to produce).
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/sources/vault/base64url.h"

namespace panguard::vault::testing {

enum class KeyKind { kRsa, kP256, kEd25519 };

class TestKey {
 public:
  static TestKey rsa(int bits = 2048) {
    return TestKey(KeyKind::kRsa,
                   EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  }
  static TestKey p256() {
    return TestKey(KeyKind::kP256, EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  }
  static TestKey ed25519() {
    return TestKey(KeyKind::kEd25519, EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  }

  KeyKind kind() const { return kind_; }
  const char* alg() const {
    switch (kind_) {
      case KeyKind::kRsa:
        return "RS256";
      case KeyKind::kP256:
        return "ES256";
      case KeyKind::kEd25519:
        return "EdDSA";
    }
    return "?";
  }

  // The public JWK with `kid` and the key's own `alg`.
  nlohmann::json jwk(const std::string& kid) const {
    nlohmann::json jwk = {{"kid", kid}, {"alg", alg()}, {"use", "sig"}};
    switch (kind_) {
      case KeyKind::kRsa:
        jwk["kty"] = "RSA";
        jwk["n"] = encode_base64url(bn_param(OSSL_PKEY_PARAM_RSA_N, 0));
        jwk["e"] = encode_base64url(bn_param(OSSL_PKEY_PARAM_RSA_E, 0));
        break;
      case KeyKind::kP256:
        jwk["kty"] = "EC";
        jwk["crv"] = "P-256";
        jwk["x"] = encode_base64url(bn_param(OSSL_PKEY_PARAM_EC_PUB_X, 32));
        jwk["y"] = encode_base64url(bn_param(OSSL_PKEY_PARAM_EC_PUB_Y, 32));
        break;
      case KeyKind::kEd25519:
        jwk["kty"] = "OKP";
        jwk["crv"] = "Ed25519";
        jwk["x"] = encode_base64url(octet_param(OSSL_PKEY_PARAM_PUB_KEY));
        break;
    }
    return jwk;
  }

  // The public key as PEM text: what an algorithm-confusion attacker uses as an HMAC secret.
  std::string public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) fail("PEM export");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
  }

  // The raw JWS signature of `input`: PKCS#1 v1.5, r||s, or Ed25519.
  std::string sign(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const char* digest = kind_ == KeyKind::kEd25519 ? nullptr : "SHA256";
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (!ctx ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key_.get(), nullptr) !=
            1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) {
      fail("sign init");
    }
    std::string signature(size, '\0');
    auto* out = reinterpret_cast<unsigned char*>(signature.data());
    if (EVP_DigestSign(ctx.get(), out, &size, data, input.size()) != 1) fail("sign");
    signature.resize(size);
    return kind_ == KeyKind::kP256 ? der_to_raw(signature) : signature;
  }

 private:
  TestKey(KeyKind kind, EVP_PKEY* key) : kind_(kind), key_(key, EVP_PKEY_free) {
    if (!key) fail("keygen");
  }

  [[noreturn]] static void fail(const char* what) {
    throw std::runtime_error(std::string("test key: ") + what + " failed");
  }

  // Big-endian bytes of a BIGNUM parameter, left-padded to `width` when width > 0.
  std::string bn_param(const char* name, int width) const {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &raw) != 1) fail("get bn param");
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(raw, BN_free);
    const int size = width > 0 ? width : BN_num_bytes(bn.get());
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), size) != size) {
      fail("bn2binpad");
    }
    return bytes;
  }

  std::string octet_param(const char* name) const {
    std::string bytes(256, '\0');
    std::size_t size = 0;
    if (EVP_PKEY_get_octet_string_param(key_.get(), name,
                                        reinterpret_cast<unsigned char*>(bytes.data()),
                                        bytes.size(), &size) != 1) {
      fail("get octet param");
    }
    bytes.resize(size);
    return bytes;
  }

  static std::string der_to_raw(const std::string& der) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())), ECDSA_SIG_free);
    if (!sig) fail("d2i_ECDSA_SIG");
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
      fail("r||s");
    }
    return raw;
  }

  KeyKind kind_;
  std::shared_ptr<EVP_PKEY> key_;
};

// Keys are slow to generate (RSA especially), so each test binary makes each one once.
inline const TestKey& rsa_key() {
  static const TestKey key = TestKey::rsa();
  return key;
}
inline const TestKey& other_rsa_key() {
  static const TestKey key = TestKey::rsa();
  return key;
}
inline const TestKey& p256_key() {
  static const TestKey key = TestKey::p256();
  return key;
}
inline const TestKey& ed25519_key() {
  static const TestKey key = TestKey::ed25519();
  return key;
}

inline std::string jwks_text(const std::vector<nlohmann::json>& keys) {
  return nlohmann::json{{"keys", keys}}.dump();
}

// "<b64(header)>.<b64(payload)>" from raw JSON text.
inline std::string signing_input(std::string_view header_json, std::string_view payload_json) {
  return encode_base64url(header_json) + "." + encode_base64url(payload_json);
}

inline std::string sign_token(const TestKey& key, std::string_view header_json,
                              std::string_view payload_json) {
  const std::string input = signing_input(header_json, payload_json);
  return input + "." + encode_base64url(key.sign(input));
}

// HMAC-SHA256, for forging HS256 tokens in algorithm-confusion tests.
inline std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t size = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof(out),
                 &size)) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace panguard::vault::testing
