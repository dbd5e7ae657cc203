#include "rules/pack_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace panguard::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Raw string literals below start with a newline for readability; the file starts after it.
std::string yaml(std::string_view text) {
  if (text.starts_with('\n')) text.remove_prefix(1);
  return std::string(text);
}

DocumentResult load(std::string_view content) {
  return load_document({RuleFile{"rules.yaml", yaml(content)}});
}

DocumentResult load_files(const std::vector<std::pair<std::string, std::string_view>>& files) {
  std::vector<RuleFile> rule_files;
  for (const auto& [path, content] : files) rule_files.push_back(RuleFile{path, yaml(content)});
  return load_document(rule_files);
}

std::vector<std::string> messages(const DocumentResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) out.push_back(d.to_string());
  return out;
}

std::string where(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
}

// Where the first occurrence of `needle` in `located` comes from.
std::string where(const LocatedText& located, std::string_view needle) {
  const std::size_t offset = located.text.find(needle);
  EXPECT_NE(offset, std::string::npos) << needle << " not in " << located.text;
  return where(located.position_of(offset));
}

std::vector<std::string> texts(const std::vector<LocatedText>& located) {
  std::vector<std::string> out;
  for (const LocatedText& l : located) out.push_back(l.text);
  return out;
}

std::vector<std::string> rule_names(const PackDocument& document) {
  std::vector<std::string> out;
  for (const RuleDef& rule : document.rules) out.push_back(rule.name);
  return out;
}

// A valid rule named `r`, lines 1-6.
constexpr std::string_view kRule = R"(
- rule: r
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
)";

// Loads kRule followed by `more` (which starts at line 7).
DocumentResult load_after_rule(std::string_view more) {
  return load(std::string(kRule) + yaml(more));
}

// ---------------------------------------------------------------------------------------------
// The full format

constexpr std::string_view kFullPack = R"(
- required_engine_version: 1
- list: vault_ports
  items: [8200, 8201]
- macro: vault_request
  condition: evt.type = "vault.request"
- rule: Foreign Vault path
  desc: A tenant asked for another tenant's Vault path
  source: vault
  condition: >
    vault.path_tenant exists
    and vault.path_tenant != tenant.id
  output: "tenant %tenant.id read %vault.path"
  priority: critical
  tags: [vault, cross_tenant]
  enabled: true
  action: deny
  exceptions:
    - name: break_glass
      fields: [k8s.namespace, vault.path]
      comps: [=, startswith]
      values:
        - [ops, secret/data/shared]
        - [sre, [secret/a, secret/b]]
  limit:
    key: [tenant.id, vault.operation]
    rate: 50/s
    burst: 100
)";

TEST(PackLoader, LoadsEveryKeyOfTheFormat) {
  const DocumentResult result = load(kFullPack);
  ASSERT_THAT(messages(result), IsEmpty());
  const PackDocument& doc = result.document;
  EXPECT_EQ(doc.required_engine_version, 1u);

  ASSERT_THAT(doc.lists, SizeIs(1));
  EXPECT_EQ(doc.lists[0].name, "vault_ports");
  EXPECT_EQ(where(doc.lists[0].pos), "rules.yaml:2:3");
  EXPECT_THAT(texts(doc.lists[0].items), ElementsAre("8200", "8201"));
  EXPECT_EQ(where(doc.lists[0].items[1], "8201"), "rules.yaml:3:17");

  ASSERT_THAT(doc.macros, SizeIs(1));
  EXPECT_EQ(doc.macros[0].name, "vault_request");
  EXPECT_EQ(doc.macros[0].condition.text, "evt.type = \"vault.request\"");
  EXPECT_EQ(where(doc.macros[0].condition, "\"vault"), "rules.yaml:5:25");

  ASSERT_THAT(doc.rules, SizeIs(1));
  const RuleDef& rule = doc.rules[0];
  EXPECT_EQ(rule.name, "Foreign Vault path");
  EXPECT_EQ(where(rule.pos), "rules.yaml:6:3");
  EXPECT_EQ(rule.desc, "A tenant asked for another tenant's Vault path");
  EXPECT_EQ(rule.source, Source::kVault);
  EXPECT_EQ(rule.condition.text,
            "vault.path_tenant exists and vault.path_tenant != tenant.id");  // folded, trimmed
  EXPECT_EQ(rule.output.text, "tenant %tenant.id read %vault.path");
  EXPECT_EQ(rule.priority, Priority::kCritical);
  EXPECT_THAT(rule.tags, ElementsAre("vault", "cross_tenant"));
  EXPECT_TRUE(rule.enabled);
  EXPECT_EQ(rule.action, Action::kDeny);

  ASSERT_THAT(rule.exceptions, SizeIs(1));
  const ExceptionDef& exception = rule.exceptions[0];
  EXPECT_EQ(exception.name, "break_glass");
  EXPECT_EQ(where(exception.pos), "rules.yaml:18:7");
  EXPECT_THAT(texts(exception.fields), ElementsAre("k8s.namespace", "vault.path"));
  EXPECT_EQ(where(exception.fields[1], "vault"), "rules.yaml:19:31");
  EXPECT_THAT(texts(exception.comps), ElementsAre("=", "startswith"));
  EXPECT_EQ(where(exception.comps[1], "s"), "rules.yaml:20:18");
  ASSERT_THAT(exception.values, SizeIs(2));
  ASSERT_THAT(exception.values[0], SizeIs(2));
  EXPECT_FALSE(exception.values[0][1].is_list);
  EXPECT_THAT(texts(exception.values[0][1].items), ElementsAre("secret/data/shared"));
  EXPECT_EQ(where(exception.values[0][1].items[0], "secret"), "rules.yaml:22:17");
  ASSERT_THAT(exception.values[1], SizeIs(2));
  EXPECT_TRUE(exception.values[1][1].is_list);
  EXPECT_THAT(texts(exception.values[1][1].items), ElementsAre("secret/a", "secret/b"));
  EXPECT_EQ(where(exception.values[1][1].items[1], "secret"), "rules.yaml:23:28");

  ASSERT_TRUE(rule.limit.has_value());
  EXPECT_EQ(where(rule.limit->pos), "rules.yaml:25:5");
  EXPECT_THAT(texts(rule.limit->key), ElementsAre("tenant.id", "vault.operation"));
  EXPECT_EQ(where(rule.limit->key[1], "vault"), "rules.yaml:25:22");
  EXPECT_EQ(rule.limit->rate_count, 50u);
  EXPECT_EQ(rule.limit->period_ns, 1'000'000'000u);
  EXPECT_EQ(rule.limit->burst, 100u);
}

TEST(PackLoader, AppliesDefaults) {
  const DocumentResult result = load_after_rule(R"(
- rule: limited
  desc: d
  source: nats
  condition: x exists
  output: o
  priority: info
  exceptions:
    - name: one_field
      fields: nats.subject
      values: [a, [b, c]]
  limit:
    key: [tenant.id]
    rate: 3/m
)");
  ASSERT_THAT(messages(result), IsEmpty());
  ASSERT_THAT(result.document.rules, SizeIs(2));
  const RuleDef& plain = result.document.rules[0];
  EXPECT_TRUE(plain.enabled);
  EXPECT_EQ(plain.action, Action::kAlert);
  EXPECT_TRUE(plain.tags.empty());
  EXPECT_TRUE(plain.exceptions.empty());
  EXPECT_FALSE(plain.limit.has_value());

  const RuleDef& limited = result.document.rules[1];
  EXPECT_EQ(limited.source, Source::kNats);
  EXPECT_EQ(limited.priority, Priority::kInformational);
  ASSERT_TRUE(limited.limit.has_value());
  EXPECT_EQ(limited.limit->rate_count, 3u);
  EXPECT_EQ(limited.limit->period_ns, 60'000'000'000u);
  EXPECT_EQ(limited.limit->burst, 3u);  // burst defaults to N

  const ExceptionDef& exception = limited.exceptions.at(0);
  EXPECT_THAT(texts(exception.fields), ElementsAre("nats.subject"));
  ASSERT_THAT(exception.comps, SizeIs(1));
  EXPECT_EQ(exception.comps[0].text, "=");
  EXPECT_EQ(where(exception.comps[0].position_of(0)), "rules.yaml:15:15");  // on the field
  // A one-field exception: a plain value is a one-element tuple, a sequence is a list value.
  ASSERT_THAT(exception.values, SizeIs(2));
  ASSERT_THAT(exception.values[0], SizeIs(1));
  EXPECT_FALSE(exception.values[0][0].is_list);
  EXPECT_THAT(texts(exception.values[0][0].items), ElementsAre("a"));
  ASSERT_THAT(exception.values[1], SizeIs(1));
  EXPECT_TRUE(exception.values[1][0].is_list);
  EXPECT_THAT(texts(exception.values[1][0].items), ElementsAre("b", "c"));
}

TEST(PackLoader, AcceptsEveryRateUnitAndSingleStringComps) {
  const DocumentResult result = load(R"(
- rule: per_hour
  desc: d
  source: usage
  condition: a = b
  output: o
  priority: debug
  exceptions:
    - name: in_list
      fields: [proc.comm]
      comps: in
      values: [[x]]
  limit: {key: [tenant.id], rate: 7/h, burst: 1}
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const RuleDef& rule = result.document.rules.at(0);
  EXPECT_EQ(rule.limit->rate_count, 7u);
  EXPECT_EQ(rule.limit->period_ns, 3'600'000'000'000u);
  EXPECT_EQ(rule.limit->burst, 1u);
  EXPECT_THAT(texts(rule.exceptions.at(0).comps), ElementsAre("in"));
  ASSERT_THAT(rule.exceptions.at(0).values.at(0), SizeIs(1));  // a tuple: fields is a list
  EXPECT_FALSE(rule.exceptions.at(0).values[0][0].is_list);
}

TEST(PackLoader, EmptyFilesHoldNoItems) {
  for (std::string_view content : {"", "# only a comment\n", "---\n", "[]\n"}) {
    const DocumentResult result = load_document({RuleFile{"empty.yaml", std::string(content)}});
    EXPECT_THAT(messages(result), IsEmpty()) << content;
    EXPECT_TRUE(result.document.rules.empty());
  }
}

TEST(PackLoader, ReadsWindowsLineEndingsAndByteOrderMark) {
  const std::string content =
      "\xEF\xBB\xBF- macro: m\r\n  condition: |\r\n    a = b\r\n    and c = d\r\n";
  const DocumentResult result = load_document({RuleFile{"crlf.yaml", content}});
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "a = b\nand c = d");
  EXPECT_EQ(where(condition, "a ="), "crlf.yaml:3:5");
  EXPECT_EQ(where(condition, "c ="), "crlf.yaml:4:9");
}

// ---------------------------------------------------------------------------------------------
// Positions inside scalars: offset -> file:line:col

TEST(PackLoaderPositions, PlainOneLineScalar) {
  const DocumentResult result = load(R"(
- macro: m
  condition: vault.path startswith "secret/"  # why
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "vault.path startswith \"secret/\"");
  EXPECT_EQ(where(condition.position_of(0)), "rules.yaml:2:14");
  EXPECT_EQ(where(condition, "startswith"), "rules.yaml:2:25");
  EXPECT_EQ(where(condition, "\"secret"), "rules.yaml:2:36");
}

TEST(PackLoaderPositions, QuotedOneLineScalar) {
  const DocumentResult result = load(R"(
- macro: m
  condition: "tenant.id = 'acme'"
- macro: n
  condition: 'a = ''b'' and c = d'
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& double_quoted = result.document.macros.at(0).condition;
  EXPECT_EQ(double_quoted.text, "tenant.id = 'acme'");
  EXPECT_EQ(where(double_quoted.position_of(0)), "rules.yaml:2:15");  // after the quote
  EXPECT_EQ(where(double_quoted, "'acme'"), "rules.yaml:2:27");

  const LocatedText& single_quoted = result.document.macros.at(1).condition;
  EXPECT_EQ(single_quoted.text, "a = 'b' and c = d");
  EXPECT_EQ(where(single_quoted, "a ="), "rules.yaml:4:15");
  EXPECT_EQ(where(single_quoted, "and"), "rules.yaml:4:25");  // past the doubled quotes
  EXPECT_EQ(where(single_quoted, "c ="), "rules.yaml:4:29");
}

TEST(PackLoaderPositions, DoubleQuotedEscapes) {
  const DocumentResult result = load(R"(
- macro: m
  condition: "a = \"x\" and b = \u00e9 and c = d"
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "a = \"x\" and b = \xC3\xA9 and c = d");
  EXPECT_EQ(where(condition, "and b"), "rules.yaml:2:25");
  EXPECT_EQ(where(condition, "and c"), "rules.yaml:2:40");
}

TEST(PackLoaderPositions, FoldedBlockScalarOverThreeLines) {
  const DocumentResult result = load(R"(
- macro: m
  condition: >
    vault.path_tenant exists
      and vault.path_tenant != tenant.id
    and not vault.operation = "list"
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  // A more indented line keeps its line breaks and indentation in a folded scalar.
  EXPECT_EQ(condition.text,
            "vault.path_tenant exists\n  and vault.path_tenant != tenant.id\nand not "
            "vault.operation = \"list\"");
  EXPECT_EQ(where(condition.position_of(0)), "rules.yaml:3:5");
  EXPECT_EQ(where(condition, "exists"), "rules.yaml:3:23");
  EXPECT_EQ(where(condition, "and vault"), "rules.yaml:4:7");
  EXPECT_EQ(where(condition, "tenant.id"), "rules.yaml:4:32");
  EXPECT_EQ(where(condition, "and not"), "rules.yaml:5:5");
  EXPECT_EQ(where(condition, "\"list\""), "rules.yaml:5:31");
}

TEST(PackLoaderPositions, FoldedBlockScalarJoinsLinesWithSpaces) {
  const DocumentResult result = load(R"(
- macro: m
  condition: >-
    a = 1
    and b = 2

    and c = 3
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "a = 1 and b = 2\nand c = 3");
  EXPECT_EQ(where(condition, "b ="), "rules.yaml:4:9");
  EXPECT_EQ(where(condition, "and c"), "rules.yaml:6:5");
}

TEST(PackLoaderPositions, LiteralBlockScalar) {
  const DocumentResult result = load(R"(
- macro: m
  condition: |  # a comment on the indicator line
    a = 1
      or b = 2
    and c = 3
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "a = 1\n  or b = 2\nand c = 3");
  EXPECT_EQ(where(condition.position_of(0)), "rules.yaml:3:5");
  EXPECT_EQ(where(condition, "or b"), "rules.yaml:4:7");
  EXPECT_EQ(where(condition, "2"), "rules.yaml:4:14");
  EXPECT_EQ(where(condition, "c = 3"), "rules.yaml:5:9");
}

TEST(PackLoaderPositions, MultiLinePlainAndQuotedScalars) {
  const DocumentResult result = load(R"(
- macro: plain
  condition: a = 1
    and b = 2
- macro: quoted
  condition: "a = 1
     and b = \"2\""
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& plain = result.document.macros.at(0).condition;
  EXPECT_EQ(plain.text, "a = 1 and b = 2");
  EXPECT_EQ(where(plain, "and"), "rules.yaml:3:5");
  EXPECT_EQ(where(plain, "2"), "rules.yaml:3:13");
  const LocatedText& quoted = result.document.macros.at(1).condition;
  EXPECT_EQ(quoted.text, "a = 1 and b = \"2\"");
  EXPECT_EQ(where(quoted, "and"), "rules.yaml:6:6");
  EXPECT_EQ(where(quoted, "2"), "rules.yaml:6:16");
}

TEST(PackLoaderPositions, AppendedConditionFromLaterFile) {
  const DocumentResult result = load_files({
      {"base.yaml", R"(
- macro: m
  condition: >
    a = 1
    and b = 2
)"},
      {"site.yaml", R"(
# site additions
- macro: m
  condition: and not c = 3
  override:
    condition: append
)"},
  });
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.macros.at(0).condition;
  EXPECT_EQ(condition.text, "(a = 1 and b = 2) and not c = 3");
  EXPECT_EQ(where(condition.position_of(0)), "base.yaml:3:5");  // "(" stands for the old text
  EXPECT_EQ(where(condition, "a = 1"), "base.yaml:3:5");
  EXPECT_EQ(where(condition, "b = 2"), "base.yaml:4:9");
  EXPECT_EQ(where(condition, "and not"), "site.yaml:3:14");
  EXPECT_EQ(where(condition, "c = 3"), "site.yaml:3:22");
}

TEST(LocatedText, MapsOffsetsThroughAnchors) {
  LocatedText text = LocatedText::at("abc", SourcePos{"f", 2, 5});
  EXPECT_EQ(where(text.position_of(2)), "f:2:7");
  text.append(LocatedText::at("xyz", SourcePos{"g", 9, 1}));
  EXPECT_EQ(text.text, "abc xyz");
  EXPECT_EQ(where(text.position_of(3)), "f:2:8");  // the joining space
  EXPECT_EQ(where(text.position_of(5)), "g:9:2");
  EXPECT_EQ(LocatedText{}.position_of(0).line, 0);
}

// ---------------------------------------------------------------------------------------------
// Errors, with exact positions

TEST(PackLoaderErrors, UnknownKeyIsNamedAtItsPosition) {
  const DocumentResult result = load(R"(
- rule: r
  descr: d
)");
  EXPECT_TRUE(has_errors(result.diagnostics));
  // The item is dropped whole, so no "missing key" errors follow.
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:2:3: error: unknown key 'descr' in rule 'r'"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoaderErrors, UnknownKeysInEveryKindOfMapping) {
  const DocumentResult result = load_after_rule(R"(
- list: l
  items: [a]
  values: [b]
- macro: m
  condition: x
  when: y
- required_engine_version: 1
  minimum: 1
- rule: limited
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit:
    key: [tenant.id]
    rate: 1/s
    per: tenant
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:9:3: error: unknown key 'values' in list 'l'",
                          "rules.yaml:12:3: error: unknown key 'when' in macro 'm'",
                          "rules.yaml:14:3: error: unknown key 'minimum' in a "
                          "required_engine_version item",
                          "rules.yaml:24:5: error: unknown key 'per' in the limit of rule "
                          "'limited'"));
}

TEST(PackLoaderErrors, MissingRequiredKeys) {
  const DocumentResult result = load(R"(
- rule: r
  desc: d
- list: l
- macro: m
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:1:3: error: rule 'r' lacks required key(s) 'source', "
                          "'condition', 'output', 'priority'",
                          "rules.yaml:3:3: error: list 'l' lacks required key(s) 'items'",
                          "rules.yaml:4:3: error: macro 'm' lacks required key(s) 'condition'"));
  EXPECT_TRUE(result.document.rules.empty());
  EXPECT_TRUE(result.document.lists.empty());
  EXPECT_TRUE(result.document.macros.empty());
}

TEST(PackLoaderErrors, DuplicateKeysInAnyMapping) {
  const DocumentResult result = load_after_rule(R"(
- rule: dup
  desc: d
  source: vault
  desc: again
- macro: m
  condition: a
  override: {condition: append, condition: replace}
- rule: r2
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit: {key: [a], rate: 1/s, rate: 2/s}
  exceptions:
    - name: e
      name: f
      fields: [a]
      values: []
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("rules.yaml:10:3: error: duplicate key 'desc' (first at line 8, column 3)",
                  "rules.yaml:13:33: error: duplicate key 'condition' (first at line 13, "
                  "column 14)",
                  "rules.yaml:20:32: error: duplicate key 'rate' (first at line 20, "
                  "column 21)",
                  "rules.yaml:23:7: error: duplicate key 'name' (first at line 22, "
                  "column 7)"));
  EXPECT_THAT(rule_names(result.document), ElementsAre("r"));
}

TEST(PackLoaderErrors, BadValuesAreReportedAtTheValue) {
  const DocumentResult result = load(R"(
- rule: r
  desc: d
  source: kafka
  condition: a = b
  output: o
  priority: urgent
  action: block
  enabled: yes
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("rules.yaml:3:11: error: unknown source 'kafka' (expected vault, nats, process, "
                  "network, usage or platform)",
                  "rules.yaml:6:13: error: unknown priority 'urgent' (expected emergency, alert, "
                  "critical, error, warning, notice, informational, info or debug)",
                  "rules.yaml:7:11: error: unknown action 'block' (expected alert or deny)",
                  "rules.yaml:8:12: error: 'enabled' must be true or false (unquoted)"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoaderErrors, WrongYamlTypes) {
  const DocumentResult result = load(R"(
- rule: r
  desc: {text: d}
  source: [vault]
  condition:
  output: o
  priority: warning
  tags: vault
  enabled: "true"
- list: l
  items: {a: b}
- list: l2
  items: [a, {b: c}, null]
- macro: m
  condition: [a]
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre(
          "rules.yaml:2:9: error: 'desc' must be a string, not a mapping",
          "rules.yaml:3:11: error: 'source' must be a string, not a sequence",
          "rules.yaml:4:3: error: 'condition' must be a string, not an empty value",
          "rules.yaml:7:9: error: 'tags' must be a sequence, not a string",
          "rules.yaml:8:12: error: 'enabled' must be true or false (unquoted)",
          "rules.yaml:10:10: error: 'items' must be a sequence, not a mapping",
          "rules.yaml:12:14: error: each entry of 'items' must be a string, not a mapping",
          "rules.yaml:12:22: error: each entry of 'items' must be a string, not an empty value",
          "rules.yaml:14:14: error: 'condition' must be a string, not a sequence"));
}

TEST(PackLoaderErrors, EmptyOrBlankTexts) {
  const DocumentResult result = load(R"(
- rule: ""
  desc: d
- macro: " m"
  condition: x
- list:
  items: []
- macro: m2
  condition: "  "
- rule: r
  desc: d
  source: vault
  condition: a
  output: o
  priority: warning
  tags: [a, ""]
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:1:9: error: 'rule' must not be empty",
                          "rules.yaml:3:10: error: 'macro' must not start or end with blanks or "
                          "line breaks",
                          "rules.yaml:5:3: error: 'list' must be a string, not an empty value",
                          "rules.yaml:8:14: error: 'condition' must not be empty",
                          "rules.yaml:15:14: error: each entry of 'tags' must not be empty"));
}

TEST(PackLoaderErrors, ItemsMustIdentifyOneKind) {
  const DocumentResult result = load(R"(
- desc: no kind
- rule: r
  macro: m
- just a string
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:1:3: error: an item must have one of the keys rule, macro, "
                          "list or required_engine_version",
                          "rules.yaml:3:3: error: an item defines one thing, but this one has both "
                          "'rule' and 'macro'",
                          "rules.yaml:4:3: error: a rule file item must be a mapping, not a "
                          "string"));
}

TEST(PackLoaderErrors, YamlSyntaxErrorCarriesItsMark) {
  const DocumentResult result = load(R"(
- rule: r
  tags: [a, b
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:3:1: error: YAML syntax error: end of sequence flow not "
                          "found"));
  const DocumentResult indented = load("- a: b\n c: d\n");
  EXPECT_THAT(messages(indented),
              ElementsAre("rules.yaml:2:2: error: YAML syntax error: end of sequence not found"));
}

TEST(PackLoaderErrors, TopLevelMustBeASequence) {
  EXPECT_THAT(messages(load("rule: r\n")),
              ElementsAre("rules.yaml:1:1: error: a rule file must be a YAML sequence of items (- "
                          "rule: ..., - macro: ..., - list: ...), not a mapping"));
  EXPECT_THAT(messages(load("hello\n")),
              ElementsAre(HasSubstr("rules.yaml:1:1: error: a rule file must be a YAML sequence")));
}

TEST(PackLoaderErrors, AnchorsAliasesTagsAndExtraDocumentsAreRefused) {
  const DocumentResult result = load(R"(
- list: a
  items: &ports [1]
- list: b
  items: *ports
- list: c
  items: !!seq [1]
- list: d
  items: [2]
---
- list: e
  items: [3]
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("rules.yaml:2:10: error: anchors (&name) are not allowed in rule files",
                  "rules.yaml:4:10: error: aliases (*name) are not allowed in rule files",
                  "rules.yaml:6:10: error: YAML tags are not allowed in rule files (found "
                  "'tag:yaml.org,2002:seq')",
                  "rules.yaml:9:1: error: a rule file must hold exactly one YAML document; another "
                  "starts here"));
  ASSERT_THAT(result.document.lists, SizeIs(1));
  EXPECT_EQ(result.document.lists[0].name, "d");
}

TEST(PackLoaderErrors, DiagnosticsComeInFileOrder) {
  // The anchor is refused while parsing, before the unknown key above it is checked.
  const DocumentResult result = load(R"(
- rule: r
  descr: d
- list: a
  items: &x [1]
)");
  EXPECT_THAT(messages(result),
              ElementsAre(StartsWith("rules.yaml:2:3: "), StartsWith("rules.yaml:4:10: ")));
}

TEST(PackLoaderErrors, KeepsCollectingAndNeverAppliesHalfAnItem) {
  const DocumentResult result = load(R"(
- rule: bad
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: loud
  limit: {key: [tenant.id], rate: fast}
- rule: good
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
)");
  EXPECT_THAT(messages(result), ElementsAre(StartsWith("rules.yaml:6:13: error: unknown priority"),
                                            StartsWith("rules.yaml:7:35: error: invalid rate")));
  EXPECT_THAT(rule_names(result.document), ElementsAre("good"));
}

class BadRate : public ::testing::TestWithParam<const char*> {};

TEST_P(BadRate, IsRefusedAtTheValue) {
  const DocumentResult result = load_after_rule(std::string(R"(
  limit:
    key: [tenant.id]
    rate: )") + GetParam() + "\n");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:9:11: error: invalid rate '" + std::string(GetParam()) +
                          "': expected N/s, N/m or N/h with N a positive integer"));
  EXPECT_TRUE(result.document.rules.empty());
}

INSTANTIATE_TEST_SUITE_P(PackLoaderErrors, BadRate,
                         ::testing::Values("50", "0/s", "1.5/s", "50/d", "-1/s", "50 /s", "50/ s",
                                           "050/s", "50/S", "/s", "50/", "50/sec", "1e3/s", "+5/s",
                                           "99999999999999999999/s"));

TEST(PackLoaderErrors, QuotedRateIsTextButBlanksStillFail) {
  EXPECT_THAT(messages(load_after_rule(R"(
  limit: {key: [tenant.id], rate: "50/s"}
)")),
              IsEmpty());
  EXPECT_THAT(messages(load_after_rule(R"(
  limit: {key: [tenant.id], rate: " 50/s"}
)")),
              ElementsAre(StartsWith("rules.yaml:7:35: error: invalid rate ' 50/s'")));
}

TEST(PackLoaderErrors, BadLimits) {
  const DocumentResult result = load(R"(
- rule: a
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit:
    key: []
    rate: 1/s
    burst: 0
- rule: b
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit:
    key: tenant.id
    burst: "5"
- rule: c
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit: 50/s
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("rules.yaml:8:10: error: 'key' must not be empty",
                  "rules.yaml:10:12: error: 'burst' must be an unquoted integer of at least 1",
                  "rules.yaml:18:5: error: the limit of rule 'b' is missing 'rate'",
                  "rules.yaml:18:10: error: 'key' must be a sequence, not a string",
                  "rules.yaml:19:12: error: 'burst' must be an unquoted integer of at least 1",
                  "rules.yaml:26:10: error: 'limit' must be a mapping, not a string"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoader, ReadsStoreFailureModeAndDedup) {
  const DocumentResult result = load(R"(
- rule: a
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit:
    key: [tenant.id]
    rate: 1/s
    on_store_failure: open
  dedup:
    window: 5m
    key: [vault.path]
- rule: b
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  dedup:
    window: 1h
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const RuleDef& a = result.document.rules.at(0);
  EXPECT_EQ(a.limit->on_store_failure, StoreFailureMode::kOpen);
  ASSERT_TRUE(a.dedup.has_value());
  EXPECT_EQ(a.dedup->window_ns, 300'000'000'000u);
  EXPECT_THAT(texts(a.dedup->key), ElementsAre("vault.path"));
  const RuleDef& b = result.document.rules.at(1);
  EXPECT_EQ(b.dedup->window_ns, 3'600'000'000'000u);
  EXPECT_TRUE(b.dedup->key.empty());
}

TEST(PackLoaderErrors, BadStoreFailureModesAndDedups) {
  const DocumentResult result = load(R"(
- rule: a
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  limit:
    key: [tenant.id]
    rate: 1/s
    on_store_failure: fail-open
- rule: b
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  dedup:
    key: [tenant.id]
    every: 5s
- rule: c
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  dedup:
    window: 0s
- rule: d
  desc: d
  source: vault
  condition: a = b
  output: o
  priority: warning
  dedup:
    window: 10ms
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre(
          "rules.yaml:10:23: error: invalid on_store_failure 'fail-open': expected closed, open or "
          "local",
          "rules.yaml:18:5: error: the dedup of rule 'b' is missing 'window'",
          "rules.yaml:19:5: error: unknown key 'every' in the dedup of rule 'b'",
          "rules.yaml:27:13: error: invalid window '0s': expected N followed by s, m or h with N a "
          "positive integer",
          "rules.yaml:35:13: error: invalid window '10ms': expected N followed by s, m or h with N "
          "a positive integer"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoaderErrors, RequiredEngineVersion) {
  const DocumentResult too_new = load(R"(
- required_engine_version: 2
)");
  EXPECT_THAT(messages(too_new),
              ElementsAre("rules.yaml:1:28: error: these rules require engine version 2; this "
                          "Panguard implements version 1"));
  for (const char* bad : {"-1", "1.0", "\"1\"", "[1]", "01"}) {
    EXPECT_THAT(messages(load(std::string("- required_engine_version: ") + bad + "\n")),
                ElementsAre("rules.yaml:1:28: error: 'required_engine_version' must be an "
                            "unquoted integer of at least 0"))
        << bad;
  }
  const DocumentResult highest = load_files(
      {{"a.yaml", "- required_engine_version: 1\n"}, {"b.yaml", "- required_engine_version: 0\n"}});
  EXPECT_THAT(messages(highest), IsEmpty());
  EXPECT_EQ(highest.document.required_engine_version, 1u);
}

TEST(PackLoaderErrors, BadExceptions) {
  const DocumentResult result = load_after_rule(R"(
  exceptions:
    - name: e1
      fields: [a, b]
      comps: [=]
      values: []
    - name: e2
      fields: [a, b]
      values: [[x]]
    - name: e3
      fields: a
      values: [x]
      extra: 1
    - fields: [a]
      values: []
    - name: e5
      fields: []
      values: []
    - name: e6
      fields: [a, b]
      comps: in
      values: []
    - name: e7
      fields: [a, b]
      values: [x, [y, {z: 1}], [y, []]]
    - just a string
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre(
          "rules.yaml:10:14: error: 'comps' has 1 entries but 'fields' has 2",
          "rules.yaml:14:16: error: each entry of 'values' needs one element per field (2), "
          "found 1",
          "rules.yaml:18:7: error: unknown key 'extra' in an exception of rule 'r'",
          "rules.yaml:19:7: error: an exception of rule 'r' is missing 'name'",
          "rules.yaml:22:15: error: 'fields' must not be empty",
          "rules.yaml:26:14: error: 'comps' must be a sequence, not a string",
          "rules.yaml:30:16: error: each entry of 'values' must be a sequence with one element per "
          "field, not a string",
          "rules.yaml:30:23: error: an element of 'values' must be a string, not a mapping",
          "rules.yaml:30:36: error: a list in 'values' must not be empty",
          "rules.yaml:31:7: error: each entry of 'exceptions' must be a mapping, not a string"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoaderErrors, ExceptionNamesAreUniqueInARule) {
  const DocumentResult result = load_after_rule(R"(
  exceptions:
    - name: e
      fields: [a]
      values: [[x]]
    - name: e
      fields: [b]
      values: [[y]]
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:11:7: error: exception 'e' is defined twice in rule 'r'"));
}

// ---------------------------------------------------------------------------------------------
// Redefinition and override

TEST(PackLoaderOverride, RedefinitionWithoutOverrideNamesTheFirstDefinition) {
  const DocumentResult result = load_files({
      {"base.yaml", R"(
- list: l
  items: [a]
- macro: m
  condition: x
)"},
      {"site.yaml", R"(
- list: l
  items: [b]
- macro: m
  condition: y
)"},
  });
  EXPECT_THAT(messages(result),
              ElementsAre("site.yaml:1:3: error: list 'l' is already defined at base.yaml:1:3; a "
                          "later item may change it only with an 'override' map",
                          "site.yaml:3:3: error: macro 'm' is already defined at base.yaml:3:3; a "
                          "later item may change it only with an 'override' map"));
  EXPECT_THAT(texts(result.document.lists.at(0).items), ElementsAre("a"));
  EXPECT_EQ(result.document.macros.at(0).condition.text, "x");

  EXPECT_THAT(messages(load(std::string(kRule) + yaml(kRule))),
              ElementsAre("rules.yaml:7:3: error: rule 'r' is already defined at rules.yaml:1:3; "
                          "a later item may change it only with an 'override' map"));
}

TEST(PackLoaderOverride, OverrideOfUndefinedNameIsAnError) {
  const DocumentResult result = load(R"(
- rule: ghost
  enabled: false
  override:
    enabled: replace
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:1:3: error: rule 'ghost' is not defined in an earlier item, "
                          "so it cannot be overridden"));
  EXPECT_TRUE(result.document.rules.empty());
}

TEST(PackLoaderOverride, OverrideOfABrokenDefinitionIsNotReportedTwice) {
  const DocumentResult result = load(R"(
- list: l
  items: {a: b}
- list: l
  items: [c]
  override:
    items: append
)");
  EXPECT_THAT(messages(result), ElementsAre(StartsWith("rules.yaml:2:10: error: 'items'")));
}

TEST(PackLoaderOverride, EveryKeySetMustBeNamedAndEveryNamedKeySet) {
  const DocumentResult result = load_after_rule(R"(
- rule: r
  condition: and x
  desc: new
  override:
    condition: append
- rule: r
  desc: new
  override:
    desc: replace
    tags: append
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:9:3: error: 'desc' must be named in 'override' (append or "
                          "replace)",
                          "rules.yaml:16:5: error: 'override' names 'tags', which this item does "
                          "not set"));
  const RuleDef& rule = result.document.rules.at(0);
  EXPECT_EQ(rule.condition.text, "a = b");  // neither item was applied
  EXPECT_EQ(rule.desc, "d");
}

TEST(PackLoaderOverride, ModesAndKeysAreChecked) {
  const DocumentResult result = load_after_rule(R"(
- rule: r
  desc: more
  override:
    desc: append
- rule: r
  condition: x
  override:
    condition: merge
- list: l
  items: [b]
  override:
    items: append
    list: replace
- macro: m
  condition: x
  override: append
- macro: m
  condition: x
  override: {}
- macro: m
  condition: x
  override:
    condition: [append]
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("rules.yaml:10:11: error: 'desc' can only be replaced, not appended to",
                  "rules.yaml:14:16: error: override mode must be 'append' or 'replace', not "
                  "'merge'",
                  "rules.yaml:19:5: error: 'list' cannot be overridden in a list (overridable: "
                  "items)",
                  "rules.yaml:22:13: error: 'override' must be a mapping, not a string",
                  "rules.yaml:25:13: error: 'override' must name at least one key",
                  "rules.yaml:29:16: error: an override mode must be a string, not a sequence"));
}

TEST(PackLoaderOverride, AppendedExceptionMayNotReuseANameAndNothingIsHalfApplied) {
  const DocumentResult result = load_after_rule(R"(
  exceptions:
    - name: e
      fields: [a]
      values: [[x]]
- rule: r
  condition: and c = d
  exceptions:
    - name: e
      fields: [b]
      values: [[y]]
  override:
    condition: append
    exceptions: append
)");
  EXPECT_THAT(messages(result),
              ElementsAre("rules.yaml:14:7: error: exception 'e' of rule 'r' is already defined "
                          "at rules.yaml:8:7"));
  const RuleDef& rule = result.document.rules.at(0);
  EXPECT_EQ(rule.condition.text, "a = b");
  ASSERT_THAT(rule.exceptions, SizeIs(1));
  EXPECT_THAT(texts(rule.exceptions[0].fields), ElementsAre("a"));
}

TEST(PackLoaderOverride, OverrideInTheSameFileAndReplacedCondition) {
  const DocumentResult result = load_after_rule(R"(
- rule: r
  condition: >
    c = d
    or e = f
  override:
    condition: replace
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const LocatedText& condition = result.document.rules.at(0).condition;
  EXPECT_EQ(condition.text, "c = d or e = f");
  EXPECT_EQ(where(condition, "e = f"), "rules.yaml:10:8");
}

constexpr std::string_view kBaseFile = R"(
- list: vault_ports
  items: [8200, 8201]
- macro: vault_request
  condition: evt.type = "vault"
- rule: Foreign Vault path
  desc: base desc
  source: vault
  condition: vault_request and vault.path_tenant != tenant.id
  output: "read %vault.path"
  priority: critical
  tags: [vault]
  exceptions:
    - name: ops
      fields: [k8s.namespace]
      values: [[ops]]
- rule: Second
  desc: second
  source: nats
  condition: nats.subject exists
  output: o
  priority: notice
)";

constexpr std::string_view kSiteFile = R"(
- list: vault_ports
  items: [8202]
  override:
    items: append
- macro: vault_request
  condition: evt.type = "vault.request"
  override:
    condition: replace
- rule: Foreign Vault path
  condition: and not k8s.namespace = "ops"
  tags: [cross_tenant]
  exceptions:
    - name: sre
      fields: [k8s.namespace]
      values: [[sre]]
  override:
    condition: append
    tags: append
    exceptions: append
- rule: Third
  desc: third
  source: process
  condition: proc.comm = sh
  output: o
  priority: error
)";

constexpr std::string_view kTenantFile = R"(
- rule: Foreign Vault path
  desc: replaced desc
  output: "denied %vault.path"
  priority: emergency
  enabled: false
  action: deny
  source: platform
  limit: {key: [tenant.id], rate: 5/s}
  override:
    desc: replace
    output: replace
    priority: replace
    enabled: replace
    action: replace
    source: replace
    limit: replace
)";

TEST(PackLoaderOverride, AppendsAndReplacesAcrossFiles) {
  const DocumentResult result = load_files(
      {{"base.yaml", kBaseFile}, {"site.yaml", kSiteFile}, {"tenant.yaml", kTenantFile}});
  ASSERT_THAT(messages(result), IsEmpty());
  const PackDocument& doc = result.document;

  EXPECT_THAT(texts(doc.lists.at(0).items), ElementsAre("8200", "8201", "8202"));
  EXPECT_EQ(where(doc.lists[0].items[2], "8202"), "site.yaml:2:11");
  EXPECT_EQ(doc.macros.at(0).condition.text, "evt.type = \"vault.request\"");
  EXPECT_EQ(where(doc.macros[0].condition.position_of(0)), "site.yaml:6:14");

  // Rules keep the order in which they were first defined.
  EXPECT_THAT(rule_names(doc), ElementsAre("Foreign Vault path", "Second", "Third"));
  const RuleDef& rule = doc.rules[0];
  EXPECT_EQ(where(rule.pos), "base.yaml:5:3");
  EXPECT_EQ(rule.condition.text,
            "(vault_request and vault.path_tenant != tenant.id) and not k8s.namespace = \"ops\"");
  EXPECT_EQ(where(rule.condition, "vault.path_tenant"), "base.yaml:8:32");
  EXPECT_EQ(where(rule.condition, "k8s"), "site.yaml:10:22");
  EXPECT_THAT(rule.tags, ElementsAre("vault", "cross_tenant"));
  ASSERT_THAT(rule.exceptions, SizeIs(2));
  EXPECT_EQ(rule.exceptions[0].name, "ops");
  EXPECT_EQ(rule.exceptions[1].name, "sre");
  EXPECT_EQ(where(rule.exceptions[1].pos), "site.yaml:13:7");

  EXPECT_EQ(rule.desc, "replaced desc");
  EXPECT_EQ(rule.output.text, "denied %vault.path");
  EXPECT_EQ(where(rule.output.position_of(0)), "tenant.yaml:3:12");
  EXPECT_EQ(rule.priority, Priority::kEmergency);
  EXPECT_FALSE(rule.enabled);
  EXPECT_EQ(rule.action, Action::kDeny);
  EXPECT_EQ(rule.source, Source::kPlatform);
  ASSERT_TRUE(rule.limit.has_value());
  EXPECT_EQ(rule.limit->rate_count, 5u);
  EXPECT_EQ(rule.limit->burst, 5u);
}

TEST(PackLoaderOverride, ReplacesListsTagsAndExceptions) {
  const DocumentResult result = load_files({{"base.yaml", kBaseFile}, {"override.yaml", R"(
- list: vault_ports
  items: [9000]
  override:
    items: replace
- rule: Foreign Vault path
  tags: [only]
  exceptions: []
  condition: vault.path_tenant exists
  override:
    tags: replace
    exceptions: replace
    condition: replace
- macro: vault_request
  condition: or evt.type = "vault.audit"
  override:
    condition: append
)"}});
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_THAT(texts(result.document.lists.at(0).items), ElementsAre("9000"));
  const RuleDef& rule = result.document.rules.at(0);
  EXPECT_THAT(rule.tags, ElementsAre("only"));
  EXPECT_TRUE(rule.exceptions.empty());
  EXPECT_EQ(rule.condition.text, "vault.path_tenant exists");
  EXPECT_EQ(where(rule.condition.position_of(0)), "override.yaml:8:14");
  EXPECT_EQ(result.document.macros.at(0).condition.text,
            "(evt.type = \"vault\") or evt.type = \"vault.audit\"");
}

}  // namespace
}  // namespace panguard::rules
