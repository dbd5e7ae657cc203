#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/event_json.h"
#include "rules/output_template.h"

namespace panguard::rules {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view json) {
  auto parsed = parse_event_json(json);
  auto* error = std::get_if<EventParseError>(&parsed);
  return error ? error->message : "";
}

TEST(EventJson, ParsesTypedFieldsAndTime) {
  auto parsed = parse_event_json(
      R"({"source":"network","time":"2026-11-29T10:00:00.5Z","fields":{"tenant.id":"acme",
          "net.dport":8200,"proc.comm":"curl"}})");
  ASSERT_TRUE(std::holds_alternative<Event>(parsed)) << error_of("");
  const Event& event = std::get<Event>(parsed);
  EXPECT_EQ(event.source(), Source::kNetwork);
  EXPECT_EQ(*event.get_int(FieldId::kNetDport), 8200);
  EXPECT_EQ(*event.get_string(FieldId::kTenantId), "acme");
  EXPECT_EQ(*event.get_int(FieldId::kEvtTime), 1'795'946'400'500'000'000);
}

TEST(EventJson, RoundTrips) {
  Event event(Source::kVault);
  event.set(FieldId::kVaultPath, "secret/\x01x");
  event.set(FieldId::kVaultTokenExchange, true);
  event.set(FieldId::kEvtTime, int64_t{1'795'953'600'000'000'001});
  auto parsed = parse_event_json(event_to_json(event));
  ASSERT_TRUE(std::holds_alternative<Event>(parsed));
  EXPECT_EQ(std::get<Event>(parsed), event);
}

TEST(EventJson, RejectsAmbiguousOrMalformedInput) {
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{"tenant.id":"a","tenant.id":"b"}})"),
              HasSubstr("duplicate key"));
  EXPECT_THAT(error_of(R"({"source":"vault","source":"nats","fields":{}})"),
              HasSubstr("duplicate key"));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{"tenant.idx":"a"}})"),
              HasSubstr("unknown field"));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{"net.dport":1}})"),
              HasSubstr("not carried by source vault"));
  EXPECT_THAT(error_of(R"({"source":"network","fields":{"net.dport":"8200"}})"),
              HasSubstr("must be an integer"));
  EXPECT_THAT(error_of(R"({"source":"network","fields":{"net.dport":1.5}})"),
              HasSubstr("must be an integer"));
  EXPECT_THAT(error_of(R"({"source":"network","fields":{"net.dport":9223372036854775808}})"),
              HasSubstr("int64 range"));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{"vault.token_exchange":1}})"),
              HasSubstr("must be a boolean"));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{},"extra":1})"), HasSubstr("unknown key"));
  EXPECT_THAT(error_of(R"({"source":"kernel","fields":{}})"), HasSubstr("unknown source"));
  EXPECT_THAT(error_of(R"({"fields":{}})"), HasSubstr("missing \"source\""));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{}} {})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(error_of(R"({"source":"vault","time":"2026-11-29T10:00:00+01:00","fields":{}})"),
              HasSubstr("RFC 3339"));
  EXPECT_THAT(error_of(R"({"source":"vault","fields":{"evt.time":1}})"), HasSubstr("\"time\""));
  EXPECT_THAT(error_of(std::string(100, '[') + std::string(100, ']')), HasSubstr("nesting"));
  using namespace std::string_literals;
  EXPECT_THAT(error_of("{\"source\":\"vault\",\"fields\":{}}\0{\"source\":\"nats\"}"s),
              HasSubstr("NUL byte"));
}

TEST(Rfc3339, StrictUtc) {
  int64_t ns = 0;
  EXPECT_TRUE(parse_rfc3339_utc("1970-01-01T00:00:00Z", ns));
  EXPECT_EQ(ns, 0);
  EXPECT_TRUE(parse_rfc3339_utc("2024-02-29T23:59:59.123456789Z", ns));
  EXPECT_EQ(format_rfc3339_utc(ns), "2024-02-29T23:59:59.123456789Z");
  EXPECT_FALSE(parse_rfc3339_utc("2023-02-29T00:00:00Z", ns));
  EXPECT_FALSE(parse_rfc3339_utc("2024-01-01T24:00:00Z", ns));
  EXPECT_FALSE(parse_rfc3339_utc("2024-01-01T00:00:00.Z", ns));
  EXPECT_FALSE(parse_rfc3339_utc("2024-01-01T00:00:00.1234567891Z", ns));
  EXPECT_FALSE(parse_rfc3339_utc("2024-01-01 00:00:00Z", ns));
  EXPECT_FALSE(parse_rfc3339_utc("2024-01-01T00:00:00z", ns));
}

TEST(OutputTemplate, SubstitutesAndEscapes) {
  OutputTemplate tpl;
  ASSERT_EQ(OutputTemplate::parse("tenant=%tenant.id read %vault.path. 100%% sure", tpl), "");
  Event event(Source::kVault);
  event.set(FieldId::kTenantId, "acme");
  event.set(FieldId::kVaultPath, "x\n2026 CRITICAL forged %tenant.id \\");
  EXPECT_EQ(tpl.render(event),
            "tenant=acme read x\\x0a2026 CRITICAL forged %tenant.id \\x5c. 100% sure");
  event.clear(FieldId::kTenantId);
  EXPECT_THAT(tpl.render(event), HasSubstr("tenant=<NA>"));
}

TEST(OutputTemplate, RejectsUnknownFieldsAndBarePercent) {
  OutputTemplate tpl;
  std::size_t offset = 0;
  EXPECT_THAT(OutputTemplate::parse("a %vault.pathx", tpl, &offset), HasSubstr("unknown field"));
  EXPECT_EQ(offset, 2u);
  EXPECT_THAT(OutputTemplate::parse("50% done", tpl), HasSubstr("write %% for a percent"));
}

}  // namespace
}  // namespace panguard::rules
