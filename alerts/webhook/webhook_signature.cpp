#include "alerts/webhook/webhook_signature.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <cassert>
#include <cstdlib>

namespace panguard::alerts::webhook {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (rest == 2) v |= uint32_t{p[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<std::size_t>(k)];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = base64_value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    // Non-canonical encodings (bits set in the padding) are refused.
    if ((pad == 1 && (n & 0xFF) != 0) || (pad == 2 && (n & 0xFFFF) != 0)) return std::nullopt;
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

std::optional<std::string> decode_webhook_secret(std::string_view contents) {
  while (!contents.empty() && (contents.back() == '\n' || contents.back() == '\r' ||
                               contents.back() == ' ' || contents.back() == '\t')) {
    contents.remove_suffix(1);
  }
  if (contents.empty()) return std::nullopt;
  constexpr std::string_view kPrefix = "whsec_";
  if (contents.substr(0, kPrefix.size()) == kPrefix) {
    auto key = base64_decode(contents.substr(kPrefix.size()));
    if (!key || key->empty()) return std::nullopt;
    return key;
  }
  return std::string(contents);
}

std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp,
                              std::string_view body) {
  const std::string ts = std::to_string(timestamp);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  std::array<unsigned char, 32> digest{};
  std::size_t digest_len = 0;
  const bool ok =
      ctx &&
      EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) ==
          1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(id.data()), id.size()) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>("."), 1) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(ts.data()), ts.size()) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>("."), 1) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1 &&
      EVP_MAC_final(ctx, digest.data(), &digest_len, digest.size()) == 1 && digest_len == 32;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  // HMAC-SHA256 failing means the crypto library is unusable; an unsigned webhook must never go
  // out, and there is nothing to repair.
  if (!ok) std::abort();
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), 32));
}

std::string webhook_signature_header(const std::vector<std::string>& keys, std::string_view id,
                                     int64_t timestamp, std::string_view body) {
  std::string header;
  for (const auto& key : keys) {
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += webhook_signature(key, id, timestamp, body);
  }
  return header;
}

std::string message_id(const std::vector<std::string_view>& alert_ids) {
  assert(!alert_ids.empty());
  if (alert_ids.size() == 1) return std::string(alert_ids.front());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::array<unsigned char, 32> digest{};
  unsigned int digest_len = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (std::size_t i = 0; ok && i < alert_ids.size(); ++i) {
    if (i > 0) ok = EVP_DigestUpdate(ctx, "\n", 1) == 1;
    ok = ok && EVP_DigestUpdate(ctx, alert_ids[i].data(), alert_ids[i].size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, digest.data(), &digest_len) == 1 && digest_len == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok) std::abort();  // as above: the crypto library is unusable
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "batch_";
  for (std::size_t i = 0; i < 16; ++i) {
    id += kHex[digest[i] >> 4];
    id += kHex[digest[i] & 15];
  }
  return id;
}

}  // namespace panguard::alerts::webhook
