// {tenant} patterns: compile errors, segment-wise matching, tenant id validation and
// ambiguous captures (which callers reject).
#include "agent/sources/vault/tenant_pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace panguard::vault {
namespace {

TenantPattern compiled(std::string_view text) {
  auto result = TenantPattern::compile(text);
  if (auto* error = std::get_if<PatternError>(&result)) {
    ADD_FAILURE() << "pattern " << text << " did not compile: " << error->message;
    return std::get<TenantPattern>(TenantPattern::compile("{tenant}"));
  }
  return std::get<TenantPattern>(std::move(result));
}

MatchResult tenant(std::string id) { return MatchResult::of_tenant(std::move(id)); }

std::string describe(const MatchResult& result) {
  switch (result.kind) {
    case MatchResult::Kind::kNoMatch:
      return "no_match";
    case MatchResult::Kind::kTenant:
      return "tenant(" + result.tenant + ")";
    case MatchResult::Kind::kAmbiguous:
      return "ambiguous";
  }
  return "?";
}

struct MatchCase {
  std::string input;
  MatchResult expected;
};

void expect_matches(const TenantPattern& pattern, const std::vector<MatchCase>& cases) {
  for (const MatchCase& c : cases) {
    const MatchResult got = pattern.match(c.input);
    EXPECT_EQ(got, c.expected) << pattern.text() << " against \"" << c.input << "\": got "
                               << describe(got) << ", expected " << describe(c.expected);
  }
}

// A capture must be a DNS label; anything else leaves the owner unknown.
TEST(TenantPatternMatchTest, CaptureMustBeADnsLabel) {
  const TenantPattern whole = compiled("{tenant}");
  for (const std::string& id : std::vector<std::string>{"a", "acme", "acme-evil", "a1", "0",
                                                        "9lives", "a-b-c", std::string(63, 'a')}) {
    EXPECT_EQ(whole.match(id), tenant(id)) << id;
  }
  for (const std::string& id : std::vector<std::string>{
           "-acme", "acme-", "Acme", "ACME", "acme_evil", "acme.evil", "ac me", "acm\xc3\xa9",
           std::string("ac\0me", 5), std::string(64, 'a'), "*", "{tenant}", "a%2fb", "a;b"}) {
    EXPECT_EQ(whole.match(id), MatchResult::ambiguous()) << id;
  }
  EXPECT_EQ(whole.match(""), MatchResult::no_match());
  EXPECT_EQ(whole.match("acme/x"), MatchResult::no_match());
}

TEST(TenantPatternCompileTest, RejectsMalformedPatterns) {
  for (std::string_view text : {
           "",                          // empty
           "/secret/{tenant}",          // leading slash
           "secret/{tenant}/",          // trailing slash
           "secret//{tenant}",          // empty segment
           "secret/data/tenants/**",    // no {tenant}
           "secret/{tenant}/{tenant}",  // two captures
           "{tenant}{tenant}",          // two in one segment
           "secret/**/{tenant}",        // ** not last
           "secret/a*/{tenant}",        // wildcard inside a literal
           "secret/*x/{tenant}",        //
           "secret/***/{tenant}",       //
           "{tenant}*",                 // star without a separator
           "x{tenant}*",                //
           "{tenant}-*-*",              // star inside the suffix
           "*{tenant}",                 // star before the capture
           "secret/{team}/{tenant}",    // unknown placeholder
           "secret/{tenant/x",          // stray brace
           "secret/./{tenant}",         // dot segments
           "secret/../{tenant}",        //
           "secret/%2e/{tenant}",       // '%'
           "secret/a b/{tenant}",       // whitespace
           "secret/a;b/{tenant}",       // ';'
           "secret/a\\b/{tenant}",      // backslash
           "secret/a?b/{tenant}",       // '?'
           "secret/\xc3\xa9/{tenant}",  // non-ASCII
       }) {
    auto result = TenantPattern::compile(text);
    ASSERT_TRUE(std::holds_alternative<PatternError>(result)) << "accepted: " << text;
    EXPECT_FALSE(std::get<PatternError>(result).message.empty());
  }
  EXPECT_TRUE(std::holds_alternative<PatternError>(
      TenantPattern::compile("secret/" + std::string(600, 'a') + "/{tenant}")));
}

TEST(TenantPatternCompileTest, AcceptsTheDocumentedForms) {
  for (std::string_view text :
       {"secret/data/tenants/{tenant}/**", "tenants/{tenant}", "{tenant}-*", "{tenant}",
        "kv/*/{tenant}", "team-{tenant}-kv/**", "pre{tenant}.*", "{tenant}_*"}) {
    EXPECT_TRUE(std::holds_alternative<TenantPattern>(TenantPattern::compile(text))) << text;
  }
  const TenantPattern rest = compiled("secret/data/tenants/{tenant}/**");
  EXPECT_TRUE(rest.ends_with_rest());
  EXPECT_EQ(rest.segment_count(), 5u);
  EXPECT_EQ(rest.fixed_segment_count(), 4u);
  const TenantPattern fixed = compiled("tenants/{tenant}");
  EXPECT_FALSE(fixed.ends_with_rest());
  EXPECT_EQ(fixed.fixed_segment_count(), 2u);
}

TEST(TenantPatternMatchTest, PathPatternMatchesSegmentBySegment) {
  expect_matches(
      compiled("secret/data/tenants/{tenant}/**"),
      {
          {"secret/data/tenants/acme/db", tenant("acme")},
          {"secret/data/tenants/acme/a/b/c", tenant("acme")},
          {"secret/data/tenants/acme", tenant("acme")},  // ** matches nothing too
          // Never a string prefix: each of these is its own tenant.
          {"secret/data/tenants/acme-evil/db", tenant("acme-evil")},
          {"secret/data/tenants/acmex/db", tenant("acmex")},
          {"secret/data/tenants", MatchResult::no_match()},
          {"secret/data/tenantsx/acme/db", MatchResult::no_match()},
          {"secret/data/tenant/acme/db", MatchResult::no_match()},
          {"secret/metadata/tenants/acme/db", MatchResult::no_match()},
          {"secret/tenants/acme/db", MatchResult::no_match()},
          {"xsecret/data/tenants/acme/db", MatchResult::no_match()},
          {"Secret/data/tenants/acme/db", MatchResult::no_match()},
          {"", MatchResult::no_match()},
          // Not canonical: never guessed at.
          {"secret/data/tenants//acme", MatchResult::no_match()},
          {"secret/data/tenants/acme//db", MatchResult::no_match()},
          {"/secret/data/tenants/acme", MatchResult::no_match()},
          // The capture is not a valid tenant id: the owner is unknown.
          {"secret/data/tenants/ACME/db", MatchResult::ambiguous()},
          {"secret/data/tenants/acme_evil/db", MatchResult::ambiguous()},
          {"secret/data/tenants/-acme/db", MatchResult::ambiguous()},
          {"secret/data/tenants/acme./db", MatchResult::ambiguous()},
          {"secret/data/tenants/" + std::string(64, 'a') + "/db", MatchResult::ambiguous()},
          {"secret/data/tenants/" + std::string(63, 'a') + "/db", tenant(std::string(63, 'a'))},
      });
}

TEST(TenantPatternMatchTest, FixedDepthPatternNeedsExactSegmentCount) {
  expect_matches(compiled("tenants/{tenant}"), {
                                                   {"tenants/acme", tenant("acme")},
                                                   {"tenants/acme/child", MatchResult::no_match()},
                                                   {"tenants", MatchResult::no_match()},
                                                   {"tenants/", MatchResult::no_match()},
                                                   {"x/tenants/acme", MatchResult::no_match()},
                                               });
  expect_matches(compiled("kv/*/{tenant}"), {
                                                {"kv/prod/acme", tenant("acme")},
                                                {"kv/acme", MatchResult::no_match()},
                                                {"kv/a/b/acme", MatchResult::no_match()},
                                            });
}

TEST(TenantPatternMatchTest, RolePatternIsAmbiguousWhenTheCaptureSplitsTwoWays) {
  expect_matches(compiled("{tenant}-*"),
                 {
                     {"acme-reader", tenant("acme")},
                     {"acme-", tenant("acme")},  // the trailing * may be empty
                     // acme's "evil-reader" or acme-evil's "reader": nobody can tell.
                     {"acme-evil-reader", MatchResult::ambiguous()},
                     {"acme-db-reader", MatchResult::ambiguous()},
                     // "acme-" is no tenant id, so only one split is a tenant.
                     {"acme--reader", tenant("acme")},
                     {"ACME-reader", MatchResult::ambiguous()},
                     {"acme_db-reader", MatchResult::ambiguous()},
                     {"acme", MatchResult::no_match()},
                     {"-reader", MatchResult::no_match()},
                     {"acme/x-reader", MatchResult::no_match()},
                     {"", MatchResult::no_match()},
                 });
  // A separator no tenant id can hold makes role names with '-' unambiguous.
  expect_matches(compiled("{tenant}_*"), {
                                             {"acme_db-reader", tenant("acme")},
                                             {"acme-evil_reader", tenant("acme-evil")},
                                             {"acme_a_b", tenant("acme")},
                                             {"acme", MatchResult::no_match()},
                                         });
}

TEST(TenantPatternMatchTest, PrefixAndSuffixAroundTheCapture) {
  expect_matches(compiled("team-{tenant}-kv/**"),
                 {
                     {"team-acme-kv/x", tenant("acme")},
                     {"team-acme-evil-kv/x", tenant("acme-evil")},  // no star: one split
                     {"team--kv/x", MatchResult::no_match()},       // empty capture
                     {"team-acme-kvx/x", MatchResult::no_match()},
                     {"xteam-acme-kv/x", MatchResult::no_match()},
                     {"team-Acme-kv/x", MatchResult::ambiguous()},
                 });
}

TEST(TenantPatternSetTest, PatternsNamingDifferentTenantsAreAmbiguous) {
  auto compiled_set = TenantPatternSet::compile({"a/{tenant}/**", "a/*/{tenant}/**"});
  ASSERT_TRUE(std::holds_alternative<TenantPatternSet>(compiled_set));
  const auto& set = std::get<TenantPatternSet>(compiled_set);
  EXPECT_EQ(set.match("a/acme"), tenant("acme"));
  EXPECT_EQ(set.match("a/acme/acme"), tenant("acme"));
  EXPECT_EQ(set.match("a/acme/globex"), MatchResult::ambiguous());
  EXPECT_EQ(set.match("a/acme/globex/x"), MatchResult::ambiguous());
  EXPECT_EQ(set.match("a/acme/BAD"), MatchResult::ambiguous());  // one pattern is ambiguous
  EXPECT_EQ(set.match("b/acme"), MatchResult::no_match());
  EXPECT_EQ(TenantPatternSet().match("a/acme"), MatchResult::no_match());
}

TEST(TenantPatternSetTest, CompileReportsTheBadPattern) {
  auto result = TenantPatternSet::compile({"secret/data/tenants/{tenant}/**", "secret/**/x"});
  ASSERT_TRUE(std::holds_alternative<PatternError>(result));
  EXPECT_NE(std::get<PatternError>(result).message.find("secret/**/x"), std::string::npos);
}

}  // namespace
}  // namespace panguard::vault
