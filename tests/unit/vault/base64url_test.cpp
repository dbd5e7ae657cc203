#include "agent/sources/vault/base64url.h"

#include <gtest/gtest.h>

#include <string>

namespace panguard::vault {
namespace {

TEST(Base64UrlTest, DecodesRfc4648Vectors) {
  EXPECT_EQ(decode_base64url(""), "");
  EXPECT_EQ(decode_base64url("Zg"), "f");
  EXPECT_EQ(decode_base64url("Zm8"), "fo");
  EXPECT_EQ(decode_base64url("Zm9v"), "foo");
  EXPECT_EQ(decode_base64url("Zm9vYg"), "foob");
  EXPECT_EQ(decode_base64url("Zm9vYmE"), "fooba");
  EXPECT_EQ(decode_base64url("Zm9vYmFy"), "foobar");
}

TEST(Base64UrlTest, DecodesTheUrlAlphabet) {
  // 0xfb 0xff 0xbf encodes to "-_-_" in base64url and "+/+/" in plain base64.
  EXPECT_EQ(decode_base64url("-_-_"), std::string("\xfb\xff\xbf"));
}

TEST(Base64UrlTest, RejectsTheStandardAlphabet) {
  EXPECT_EQ(decode_base64url("+/+/"), std::nullopt);
  EXPECT_EQ(decode_base64url("ab+c"), std::nullopt);
  EXPECT_EQ(decode_base64url("ab/c"), std::nullopt);
}

TEST(Base64UrlTest, RejectsPadding) {
  EXPECT_EQ(decode_base64url("Zg=="), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm8="), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm9v="), std::nullopt);
}

TEST(Base64UrlTest, RejectsWhitespaceAndControlBytes) {
  for (const char* text : {"Zm9v YmFy", "Zm9v\nYmFy", "Zm9v\tYmFy", " Zm9v", "Zm9v ", "Zm9v\r\n"}) {
    EXPECT_EQ(decode_base64url(text), std::nullopt) << text;
  }
  EXPECT_EQ(decode_base64url(std::string("Zm9v\0YmFy", 9)), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm9v\xc3\xa9"), std::nullopt);
}

TEST(Base64UrlTest, RejectsImpossibleLengths) {
  // "A" carries six zero bits: only the length rules it out.
  EXPECT_EQ(decode_base64url("A"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm9vA"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm9vYmFyA"), std::nullopt);
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "Zg" is "f"; "Zh".."Zv" carry the same byte with non-zero unused bits.
  EXPECT_EQ(decode_base64url("Zh"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zv"), std::nullopt);
  // "Zm8" is "fo"; "Zm9" sets an unused bit.
  EXPECT_EQ(decode_base64url("Zm9"), std::nullopt);
}

TEST(Base64UrlTest, EncodeRoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const std::string text = encode_base64url(bytes);
    EXPECT_EQ(text.find_first_of("=+/"), std::string::npos);
    EXPECT_EQ(decode_base64url(text), bytes) << text;
    bytes.push_back(static_cast<char>(i * 37 + 11));
  }
}

}  // namespace
}  // namespace panguard::vault
