#include "agent/sources/vault/jwt_signature.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <memory>
#include <string>

namespace panguard::vault {
namespace {

constexpr std::size_t kEs256SignatureBytes = 64;
constexpr std::size_t kEd25519SignatureBytes = 64;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One DER INTEGER holding an unsigned big-endian value: minimal bytes, plus a zero byte when the
// top bit is set so that it does not read as negative.
void append_der_integer(std::string& der, std::string_view big_endian) {
  while (big_endian.size() > 1 && big_endian.front() == '\0') big_endian.remove_prefix(1);
  const bool needs_sign_byte = (static_cast<unsigned char>(big_endian.front()) & 0x80u) != 0;
  der.push_back('\x02');
  der.push_back(static_cast<char>(big_endian.size() + (needs_sign_byte ? 1 : 0)));
  if (needs_sign_byte) der.push_back('\0');
  der.append(big_endian);
}

// JWS carries ECDSA as raw r||s; OpenSSL verifies the DER SEQUENCE { r INTEGER, s INTEGER }.
// With 32-byte halves the content is at most 70 bytes, so every length fits in one byte.
std::string es256_raw_to_der(std::string_view raw) {
  std::string integers;
  append_der_integer(integers, raw.substr(0, kEs256SignatureBytes / 2));
  append_der_integer(integers, raw.substr(kEs256SignatureBytes / 2));
  std::string der;
  der.push_back('\x30');
  der.push_back(static_cast<char>(integers.size()));
  der += integers;
  return der;
}

bool digest_verify(EVP_PKEY* key, const char* digest, bool pkcs1_padding,
                   std::string_view signing_input, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_ctx = nullptr;  // owned by ctx
  bool valid = ctx && EVP_DigestVerifyInit_ex(ctx.get(), &key_ctx, digest, nullptr, nullptr, key,
                                              nullptr) == 1;
  if (valid && pkcs1_padding) {
    valid = EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) == 1;
  }
  valid =
      valid && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(),
                                reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size()) == 1;
  // A rejected signature leaves reasons on this thread's error queue; nobody reads them.
  if (!valid) ERR_clear_error();
  return valid;
}

}  // namespace

SignatureCheck check_jws_signature(const VerificationKey& key, std::string_view signing_input,
                                   std::string_view signature) {
  EVP_PKEY* pkey = key.public_key.get();
  switch (key.algorithm) {
    case JwtAlgorithm::kRs256:
      if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) {
        return SignatureCheck::kWrongLength;
      }
      return digest_verify(pkey, "SHA256", /*pkcs1_padding=*/true, signing_input, signature)
                 ? SignatureCheck::kValid
                 : SignatureCheck::kInvalid;
    case JwtAlgorithm::kEs256:
      if (signature.size() != kEs256SignatureBytes) return SignatureCheck::kWrongLength;
      return digest_verify(pkey, "SHA256", /*pkcs1_padding=*/false, signing_input,
                           es256_raw_to_der(signature))
                 ? SignatureCheck::kValid
                 : SignatureCheck::kInvalid;
    case JwtAlgorithm::kEdDsa:
      if (signature.size() != kEd25519SignatureBytes) return SignatureCheck::kWrongLength;
      // Ed25519 hashes internally: no digest name, one-shot verify.
      return digest_verify(pkey, nullptr, /*pkcs1_padding=*/false, signing_input, signature)
                 ? SignatureCheck::kValid
                 : SignatureCheck::kInvalid;
  }
  return SignatureCheck::kInvalid;
}

}  // namespace panguard::vault
