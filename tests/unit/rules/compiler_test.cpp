#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/rules/test_pack_builder.h"

namespace panguard::rules {
namespace {

using ::testing::ElementsAre;
using testing::event_from;
using testing::fired;
using testing::first_error;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::PackBuilder;

// Compiles one vault rule with `condition` and reports whether it fires on `fields`.
bool matches(const std::string& condition, const std::string& fields) {
  PackBuilder builder;
  builder.list("neutral", {"auth/token/lookup-self", "sys/health"});
  builder.list("ports", {"8200", "8201"});
  builder.rule("r", Source::kVault, condition);
  auto result = builder.compile();
  if (!result.pack) throw std::runtime_error(first_error(result));
  Event event = event_from(R"({"source":"vault","fields":{)" + fields + "}}");
  return !fired(event, *result.pack).empty();
}

std::string compile_error(const std::string& condition, Source source = Source::kVault) {
  PackBuilder builder;
  builder.list("ports", {"8200"});
  builder.macro("is_read", "vault.operation = read");
  builder.rule("r", source, condition);
  return first_error(builder.compile());
}

TEST(Condition, EqualityAndInequality) {
  EXPECT_TRUE(matches(R"(vault.path = "a/b")", R"("vault.path":"a/b")"));
  EXPECT_FALSE(matches(R"(vault.path = "a/b")", R"("vault.path":"a/bc")"));
  EXPECT_TRUE(matches("vault.path == a/b", R"("vault.path":"a/b")"));
  EXPECT_TRUE(matches(R"(vault.path != "a")", R"("vault.path":"b")"));
}

TEST(Condition, AbsentFieldMakesEveryComparisonFalse) {
  EXPECT_FALSE(matches(R"(vault.path != "a")", R"("tenant.id":"acme")"));
  EXPECT_FALSE(matches("vault.path_tenant != tenant.id", R"("tenant.id":"acme")"));
  EXPECT_TRUE(matches("not vault.path exists", R"("tenant.id":"acme")"));
  EXPECT_FALSE(matches("vault.path exists", R"("tenant.id":"acme")"));
}

TEST(Condition, FieldToFieldComparison) {
  const std::string cond = "vault.path_tenant != tenant.id";
  EXPECT_TRUE(matches(cond, R"("vault.path_tenant":"globex","tenant.id":"acme")"));
  EXPECT_FALSE(matches(cond, R"("vault.path_tenant":"acme","tenant.id":"acme")"));
}

TEST(Condition, BooleanOperatorsAndPrecedence) {
  // not > and > or: "a or b and c" is "a or (b and c)".
  const std::string cond = R"(vault.method = GET or vault.method = PUT and vault.path = "x")";
  EXPECT_TRUE(matches(cond, R"("vault.method":"GET","vault.path":"y")"));
  EXPECT_FALSE(matches(cond, R"("vault.method":"PUT","vault.path":"y")"));
  EXPECT_TRUE(matches("(vault.method = GET or vault.method = PUT) and not vault.path = y",
                      R"("vault.method":"PUT","vault.path":"x")"));
}

TEST(Condition, StringOperators) {
  EXPECT_TRUE(matches("vault.path startswith secret/", R"("vault.path":"secret/x")"));
  EXPECT_TRUE(matches("vault.path endswith /db", R"("vault.path":"secret/db")"));
  EXPECT_TRUE(matches("vault.path contains tenants", R"("vault.path":"secret/tenants/a")"));
  EXPECT_FALSE(matches("vault.path contains Tenants", R"("vault.path":"secret/tenants/a")"));
}

TEST(Condition, InExpandsListsAndLiterals) {
  EXPECT_TRUE(matches("vault.path in (neutral)", R"("vault.path":"sys/health")"));
  EXPECT_TRUE(matches("vault.path in (neutral, other)", R"("vault.path":"other")"));
  EXPECT_FALSE(matches("vault.path in (neutral)", R"("vault.path":"sys/healthz")"));
  EXPECT_FALSE(matches("vault.path in ()", R"("vault.path":"")"));
}

TEST(Condition, PathMatchIsSegmentAware) {
  const std::string cond = "vault.path pmatch (secret/tenants/acme)";
  EXPECT_TRUE(matches(cond, R"("vault.path":"secret/tenants/acme")"));
  EXPECT_TRUE(matches(cond, R"("vault.path":"secret/tenants/acme/db")"));
  EXPECT_FALSE(matches(cond, R"("vault.path":"secret/tenants/acme-evil")"));
  EXPECT_FALSE(matches(cond, R"("vault.path":"secret/tenants/acme-evil/db")"));
  EXPECT_FALSE(matches(cond, R"("vault.path":"secret/tenants")"));
  EXPECT_TRUE(matches("vault.path pmatch (secret)", R"("vault.path":"secret/a")"));
}

TEST(Condition, GlobSegments) {
  EXPECT_TRUE(matches(R"(vault.path glob "secret/*/db")", R"("vault.path":"secret/a/db")"));
  EXPECT_FALSE(matches(R"(vault.path glob "secret/*/db")", R"("vault.path":"secret/a/b/db")"));
  EXPECT_TRUE(matches(R"(vault.path glob "secret/**/db")", R"("vault.path":"secret/a/b/db")"));
  EXPECT_TRUE(matches(R"(vault.path glob "secret/?")", R"("vault.path":"secret/x")"));
  EXPECT_FALSE(matches(R"(vault.path glob "secret/?")", R"("vault.path":"secret//")"));
}

TEST(Condition, RegexIsFullMatch) {
  EXPECT_TRUE(matches(R"(vault.path regex "secret/[a-z]+")", R"("vault.path":"secret/abc")"));
  EXPECT_FALSE(matches(R"(vault.path regex "secret/[a-z]+")", R"("vault.path":"xsecret/abc")"));
  EXPECT_FALSE(matches(R"(vault.path regex "secret/[a-z]+")", R"("vault.path":"secret/abc/")"));
}

TEST(Condition, IntAndBoolFields) {
  PackBuilder builder;
  builder.list("ports", {"8200", "8201"});
  builder.rule("ports", Source::kNetwork, "net.dport in (ports) and net.dport >= 8201");
  builder.rule("bool", Source::kVault, "vault.token_exchange = true");
  auto result = builder.compile();
  ASSERT_TRUE(result.pack) << first_error(result);
  EXPECT_THAT(
      fired(event_from(R"({"source":"network","fields":{"net.dport":8201}})"), *result.pack),
      ElementsAre("ports"));
  EXPECT_THAT(
      fired(event_from(R"({"source":"network","fields":{"net.dport":8200}})"), *result.pack),
      IsEmpty());
  EXPECT_THAT(fired(event_from(R"({"source":"vault","fields":{"vault.token_exchange":true}})"),
                    *result.pack),
              ElementsAre("bool"));
}

TEST(Condition, MacrosExpand) {
  PackBuilder builder;
  builder.macro("is_read", "vault.operation = read");
  builder.macro("foreign", "vault.path_tenant != tenant.id");
  builder.rule("r", Source::kVault, "is_read and foreign");
  auto result = builder.compile();
  ASSERT_TRUE(result.pack) << first_error(result);
  EXPECT_THAT(fired(event_from(R"({"source":"vault","fields":{"vault.operation":"read",
      "vault.path_tenant":"b","tenant.id":"a"}})"),
                    *result.pack),
              ElementsAre("r"));
}

TEST(CompileErrors, PointAtTheToken) {
  // Condition text starts at test.yaml:12:14; offsets add to the column.
  EXPECT_EQ(
      compile_error("vault.paht = x"),
      "test.yaml:12:14: error: unknown field 'vault.paht' (see `panguard fields`) (rule 'r')");
  EXPECT_THAT(compile_error("vault.path = x and"), HasSubstr("test.yaml:12:32: error:"));
  EXPECT_THAT(compile_error("vault.path < 3"), HasSubstr("'<' needs an int field"));
  EXPECT_THAT(compile_error("vault.token_exchange = yes"), HasSubstr("expected true or false"));
  EXPECT_THAT(compile_error("vault.path startswith 3 and vault.token_exchange startswith x"),
              HasSubstr("test.yaml:12:42:"));
  EXPECT_THAT(compile_error("vault.path regex \"(\""), HasSubstr("bad regex"));
  EXPECT_THAT(compile_error("vault.path = vault.request"),
              HasSubstr("unknown field 'vault.request'"));
  EXPECT_THAT(compile_error("vault.path = ports"), HasSubstr("is a list or macro name"));
  EXPECT_THAT(compile_error("undefined_thing"), HasSubstr("undefined macro 'undefined_thing'"));
  EXPECT_THAT(compile_error("vault.path"), HasSubstr("needs an operator"));
  EXPECT_THAT(compile_error("vault.path = tenant.id and vault.token_exchange = tenant.id"),
              HasSubstr("cannot compare vault.token_exchange (bool) with tenant.id (string)"));
  EXPECT_THAT(compile_error("nats.subject = x"),
              HasSubstr("field 'nats.subject' is not available for source vault"));
  EXPECT_THAT(compile_error("vault.path = \"unterminated"), HasSubstr("unterminated string"));
  EXPECT_THAT(compile_error("((vault.path = x)"), HasSubstr("expected ')'"));
  EXPECT_THAT(compile_error("vault.path = x !"), HasSubstr("'!' must be followed by '='"));
}

TEST(CompileErrors, DeepNestingIsRefusedNotACrash) {
  std::string condition(5000, '(');
  EXPECT_THAT(compile_error(condition), HasSubstr("nested too deeply"));
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_THAT(compile_error(nots + "vault.path exists"), HasSubstr("nested too deeply"));
}

TEST(CompileErrors, MacroAndListCycles) {
  PackBuilder builder;
  builder.macro("a", "b");
  builder.macro("b", "a");
  builder.rule("r", Source::kVault, "a");
  EXPECT_THAT(first_error(builder.compile()), HasSubstr("refers to itself (cycle)"));

  PackBuilder lists;
  lists.list("x", {"y"});
  lists.list("y", {"x"});
  lists.rule("r", Source::kVault, "vault.path in (x)");
  EXPECT_THAT(first_error(lists.compile()), HasSubstr("list 'x' refers to itself"));
}

TEST(CompileErrors, OutputTemplateFields) {
  PackBuilder builder;
  builder.rule("r", Source::kVault, "vault.path exists", "read %vault.pth");
  EXPECT_THAT(first_error(builder.compile()), HasSubstr("unknown field '%vault.pth' in output"));
  PackBuilder other_source;
  other_source.rule("r", Source::kVault, "vault.path exists", "subject %nats.subject");
  EXPECT_THAT(first_error(other_source.compile()), HasSubstr("not available for source vault"));
}

TEST(Exceptions, ExcludeMatchingTuples) {
  PackBuilder builder;
  RuleDef& rule = builder.rule("r", Source::kVault, "vault.path exists");
  auto at = [](std::string text) { return LocatedText::at(std::move(text), {"test.yaml", 20, 5}); };
  ExceptionDef exception;
  exception.name = "ops";
  exception.fields = {at("k8s.namespace"), at("vault.path")};
  exception.comps = {at("="), at("startswith")};
  exception.values = {{{false, {at("ops")}}, {false, {at("secret/shared")}}}};
  ExceptionDef listed;
  listed.name = "neutral";
  listed.fields = {at("vault.path")};
  listed.comps = {at("in")};
  listed.values = {{{true, {at("sys/health"), at("auth/token/lookup-self")}}}};
  rule.exceptions = {exception, listed};
  auto result = builder.compile();
  ASSERT_TRUE(result.pack) << first_error(result);
  auto run = [&](const std::string& fields) {
    return fired(event_from(R"({"source":"vault","fields":{)" + fields + "}}"), *result.pack);
  };
  EXPECT_THAT(run(R"("k8s.namespace":"ops","vault.path":"secret/shared/x")"), IsEmpty());
  EXPECT_THAT(run(R"("k8s.namespace":"dev","vault.path":"secret/shared/x")"), ElementsAre("r"));
  EXPECT_THAT(run(R"("k8s.namespace":"ops","vault.path":"secret/other")"), ElementsAre("r"));
  EXPECT_THAT(run(R"("vault.path":"sys/health")"), IsEmpty());
}

TEST(Lint, WarnsAboutRulesThatCannotMatchOrAreShadowed) {
  PackBuilder builder;
  builder.rule("never", Source::kVault, "vault.method = GET and vault.method = PUT");
  builder.rule("empty", Source::kVault, "vault.path in ()");
  builder.rule("first", Source::kVault, "vault.path = x");
  builder.rule("second", Source::kVault, "vault.path == \"x\"");
  auto result = builder.compile();
  ASSERT_TRUE(result.pack);
  std::vector<std::string> warnings;
  for (const auto& d : result.diagnostics) warnings.push_back(d.message);
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("'never' can never match"),
                                    HasSubstr("'empty' can never match"),
                                    HasSubstr("'second' is shadowed: rule 'first'")));
}

TEST(Lint, DisabledRulesAreCheckedButNotEvaluated) {
  PackBuilder builder;
  builder.rule("off", Source::kVault, "vault.path exists").enabled = false;
  auto result = builder.compile();
  ASSERT_TRUE(result.pack);
  EXPECT_EQ(result.pack->rules().size(), 0u);
  PackBuilder broken;
  broken.rule("off", Source::kVault, "vault.pth exists").enabled = false;
  EXPECT_THAT(first_error(broken.compile()), HasSubstr("unknown field"));
}

TEST(Limit, MatchedLimitedRulesBecomeCounterRequests) {
  PackBuilder builder;
  RuleDef& rule = builder.rule("flood", Source::kVault, "vault.token_exchange = true");
  rule.limit = LimitDef{{"test.yaml", 30, 5},
                        {LocatedText::at("tenant.id", {}), LocatedText::at("vault.operation", {})},
                        50,
                        1'000'000'000,
                        100};
  rule.action = Action::kDeny;
  auto result = builder.compile();
  ASSERT_TRUE(result.pack) << first_error(result);
  const Event event = event_from(R"({"source":"vault","fields":{"tenant.id":"acme",
      "vault.token_exchange":true,"vault.operation":"login"}})");
  Verdict verdict = evaluate(event, *result.pack);
  EXPECT_TRUE(verdict.matches.empty());
  EXPECT_FALSE(verdict.denied());  // the store decides
  ASSERT_EQ(verdict.counter_requests.size(), 1u);
  EXPECT_THAT(key_values(verdict.counter_requests[0].rule->limit->key, event),
              ElementsAre("acme", "login"));
  EXPECT_EQ(verdict.counter_requests[0].rule->limit->burst, 100u);
}

}  // namespace
}  // namespace panguard::rules
