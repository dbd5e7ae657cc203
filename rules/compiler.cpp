// compile_pack: PackDocument -> immutable RulePack. Names are resolved to FieldIds, lists and
// macros are inlined, types and sources are checked, and each rule gets a place in the source
// index. Every error carries the file:line:col of the offending token.
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "rules/condition_parser.h"
#include "rules/condition_plan.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"
#include "rules/source_index.h"

namespace panguard::rules {
namespace {

struct CompileFailure {
  SourcePos pos;
  std::string message;
};

// A piece of text being compiled, so that offsets can be turned into positions.
struct TextRef {
  const LocatedText* text;
  [[noreturn]] void fail(std::size_t offset, std::string message) const {
    throw CompileFailure{text->position_of(offset), std::move(message)};
  }
};

bool looks_like_field_name(std::string_view word) {
  bool dot = false;
  bool segment_start = true;
  for (char c : word) {
    if (c == '.') {
      if (segment_start) return false;
      dot = true;
      segment_start = true;
    } else if ((c >= 'a' && c <= 'z') || c == '_' || (!segment_start && c >= '0' && c <= '9')) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return dot && !segment_start;
}

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<CompareOp> compare_op(std::string_view op) {
  if (op == "=") return CompareOp::kEq;
  if (op == "!=") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  if (op == ">=") return CompareOp::kGe;
  return std::nullopt;
}

std::optional<StringOp> string_op(std::string_view op) {
  if (op == "startswith") return StringOp::kStartsWith;
  if (op == "endswith") return StringOp::kEndsWith;
  if (op == "contains") return StringOp::kContains;
  return std::nullopt;
}

class PackCompiler {
 public:
  PackCompiler(const PackDocument& document, std::vector<Diagnostic>& diagnostics)
      : document_(document), diagnostics_(diagnostics) {
    for (const ListDef& list : document.lists) lists_[list.name] = &list;
    for (const MacroDef& macro : document.macros) macros_[macro.name] = &macro;
  }

  std::shared_ptr<const RulePack> compile() {
    std::vector<CompiledRule> rules = compile_rules(diagnostics_);
    if (has_errors(diagnostics_)) return nullptr;
    // Second pass: macros that several rules of one source share get a memo slot, so they run
    // once per event. The pass repeats the first one's diagnostics, which are dropped.
    if (assign_memo_slots()) {
      std::vector<Diagnostic> repeated;
      rules = compile_rules(repeated);
    }
    auto index = build_source_index(rules);
    return std::make_shared<const RulePack>(std::move(rules), std::move(index));
  }

 private:
  std::vector<CompiledRule> compile_rules(std::vector<Diagnostic>& diagnostics) {
    sink_ = &diagnostics;
    compiled_macros_.clear();
    std::vector<CompiledRule> rules;
    std::map<std::pair<Source, std::string>, std::string> seen_conditions;
    for (const RuleDef& def : document_.rules) {
      try {
        CompiledRule rule = compile_rule(def);
        lint(def, rule, seen_conditions);
        if (!def.enabled) continue;
        rule.index = static_cast<uint32_t>(rules.size());
        rules.push_back(std::move(rule));
      } catch (const CompileFailure& failure) {
        error(failure.pos, failure.message + " (rule '" + def.name + "')");
      }
    }
    sink_ = &diagnostics_;
    return rules;
  }

  // True when at least one macro got a slot.
  bool assign_memo_slots() {
    unsigned next = 0;
    for (const auto& [key, uses] : macro_uses_) {
      if (uses > 1 && next < kMaxMemoSlots) memo_slots_[key] = next++;
    }
    macro_uses_.clear();
    return next > 0;
  }

 private:
  void error(SourcePos pos, std::string message) {
    sink_->push_back({Diagnostic::Severity::kError, std::move(pos), std::move(message)});
  }
  void warn(SourcePos pos, std::string message) {
    sink_->push_back({Diagnostic::Severity::kWarning, std::move(pos), std::move(message)});
  }

  CompiledRule compile_rule(const RuleDef& def) {
    CompiledRule rule;
    rule.name = def.name;
    rule.desc = def.desc;
    rule.source = def.source;
    rule.priority = def.priority;
    rule.tags = def.tags;
    rule.action = def.action;
    source_ = def.source;

    PredicatePtr condition = compile_text(def.condition);
    std::vector<PredicatePtr> parts{condition};
    for (const ExceptionDef& exception : def.exceptions) {
      parts.push_back(make_not(compile_exception(exception)));
    }
    rule.condition = make_and(std::move(parts));
    rule.condition_text = rule.condition->describe();
    rule.required = rule.condition->required_fields();

    std::size_t offset = 0;
    const std::string message = OutputTemplate::parse(def.output.text, rule.output, &offset);
    if (!message.empty()) throw CompileFailure{def.output.position_of(offset), message};
    for (FieldId id : rule.output.fields()) {
      check_source(id, TextRef{&def.output}, 0);
    }
    if (def.limit) rule.limit = compile_limit(*def.limit);
    if (def.dedup) rule.dedup = compile_dedup(*def.dedup);
    return rule;
  }

  RateLimit compile_limit(const LimitDef& def) {
    RateLimit limit{{}, def.rate_count, def.period_ns, def.burst, def.on_store_failure};
    for (const LocatedText& key : def.key) {
      limit.key.push_back(resolve_field(key.text, TextRef{&key}, 0));
    }
    return limit;
  }

  AlertDedup compile_dedup(const DedupDef& def) {
    AlertDedup dedup{{}, def.window_ns};
    for (const LocatedText& key : def.key) {
      dedup.key.push_back(resolve_field(key.text, TextRef{&key}, 0));
    }
    return dedup;
  }

  PredicatePtr compile_text(const LocatedText& text) {
    ParseError parse_error;
    auto ast = parse_condition(text.text, parse_error);
    if (!ast) throw CompileFailure{text.position_of(parse_error.offset), parse_error.message};
    return compile_node(*ast, TextRef{&text});
  }

  PredicatePtr compile_node(const AstNode& node, const TextRef& ref) {
    switch (node.kind) {
      case AstNode::Kind::kAnd:
      case AstNode::Kind::kOr: {
        std::vector<PredicatePtr> children;
        for (const auto& child : node.children) children.push_back(compile_node(*child, ref));
        return node.kind == AstNode::Kind::kAnd ? make_and(std::move(children))
                                                : make_or(std::move(children));
      }
      case AstNode::Kind::kNot:
        return make_not(compile_node(*node.children.front(), ref));
      case AstNode::Kind::kMacro:
        return compile_macro_ref(node, ref);
      case AstNode::Kind::kExists:
        return make_exists(resolve_field(node.name, ref, node.offset));
      case AstNode::Kind::kCompare:
        return compile_compare(resolve_field(node.name, ref, node.offset), node.op, node.operand,
                               ref, node.offset);
    }
    ref.fail(node.offset, "unsupported expression");
  }

  PredicatePtr compile_macro_ref(const AstNode& node, const TextRef& ref) {
    const std::string& name = node.name;
    if (find_field(name)) {
      ref.fail(node.offset, "field '" + name + "' needs an operator, e.g. '" + name + " exists'");
    }
    if (lists_.contains(name)) {
      ref.fail(node.offset, "'" + name + "' is a list; use it inside 'in (...)'");
    }
    auto macro = macros_.find(name);
    if (macro == macros_.end()) {
      ref.fail(node.offset, looks_like_field_name(name) ? "unknown field '" + name + "'"
                                                        : "undefined macro '" + name + "'");
    }
    const auto key = std::make_pair(source_, name);
    ++macro_uses_[key];
    if (auto cached = compiled_macros_.find(key); cached != compiled_macros_.end()) {
      return cached->second;
    }
    if (!macros_in_progress_.insert(name).second) {
      ref.fail(node.offset, "macro '" + name + "' refers to itself (cycle)");
    }
    PredicatePtr compiled;
    try {
      compiled = compile_text(macro->second->condition);
    } catch (...) {
      macros_in_progress_.erase(name);
      throw;
    }
    macros_in_progress_.erase(name);
    if (auto slot = memo_slots_.find(key); slot != memo_slots_.end()) {
      compiled = make_memo(slot->second, std::move(compiled));
    }
    compiled_macros_[key] = compiled;
    return compiled;
  }

  FieldId resolve_field(const std::string& name, const TextRef& ref, std::size_t offset) {
    auto id = find_field(name);
    if (!id) ref.fail(offset, "unknown field '" + name + "' (see `panguard fields`)");
    check_source(*id, ref, offset);
    return *id;
  }

  void check_source(FieldId id, const TextRef& ref, std::size_t offset) {
    const FieldInfo& info = field_info(id);
    if (!(info.sources & source_bit(source_))) {
      ref.fail(offset, "field '" + std::string(info.name) + "' is not available for source " +
                           std::string(source_name(source_)));
    }
  }

  // Expands list references in a list operand to literal strings (lists may nest).
  void expand_items(const Operand& list, const TextRef& ref, std::vector<std::string>& out) {
    for (const Operand& item : list.items) {
      if (item.kind == Operand::Kind::kBare && lists_.contains(item.text)) {
        expand_list(item.text, ref, item.offset, out);
      } else if (item.kind == Operand::Kind::kBare && find_field(item.text)) {
        ref.fail(item.offset, "a field cannot be a list item; quote it for a literal");
      } else {
        out.push_back(item.text);
      }
    }
  }

  void expand_list(const std::string& name, const TextRef& ref, std::size_t offset,
                   std::vector<std::string>& out) {
    if (!lists_in_progress_.insert(name).second) {
      ref.fail(offset, "list '" + name + "' refers to itself (cycle)");
    }
    for (const LocatedText& item : lists_.at(name)->items) {
      if (lists_.contains(item.text)) {
        expand_list(item.text, TextRef{&item}, 0, out);
      } else {
        out.push_back(item.text);
      }
    }
    lists_in_progress_.erase(name);
  }

  PredicatePtr compile_compare(FieldId field, const std::string& op, const Operand& operand,
                               const TextRef& ref, std::size_t offset) {
    const FieldInfo& info = field_info(field);
    const std::string field_desc =
        std::string(info.name) + " is " + std::string(field_type_name(info.type));
    if (operand.kind == Operand::Kind::kList) {
      std::vector<std::string> items;
      expand_items(operand, ref, items);
      if (op == "pmatch") {
        if (info.type != FieldType::kString)
          ref.fail(offset, "'pmatch' needs a string field; " + field_desc);
        return make_path_match(field, std::move(items));
      }
      if (info.type == FieldType::kString) return make_string_in(field, std::move(items));
      if (info.type == FieldType::kBool)
        ref.fail(offset, "'in' needs a string or int field; " + field_desc);
      std::vector<int64_t> numbers;
      for (const std::string& item : items) {
        auto number = parse_int(item);
        if (!number) ref.fail(operand.offset, "'" + item + "' is not an integer; " + field_desc);
        numbers.push_back(*number);
      }
      return make_int_in(field, std::move(numbers));
    }

    if (operand.kind == Operand::Kind::kBare) {
      if (auto other = find_field(operand.text)) {
        return compile_field_compare(field, op, *other, ref, offset, operand.offset);
      }
      if (looks_like_field_name(operand.text)) {
        ref.fail(operand.offset, "unknown field '" + operand.text +
                                     "' (quote it to compare with a literal string)");
      }
      if (lists_.contains(operand.text) || macros_.contains(operand.text)) {
        ref.fail(operand.offset, "'" + operand.text + "' is a list or macro name; use 'in (" +
                                     operand.text + ")' or quote it for a literal");
      }
    }
    const std::string& literal = operand.text;
    switch (info.type) {
      case FieldType::kString:
        if (auto cmp = compare_op(op)) {
          if (*cmp != CompareOp::kEq && *cmp != CompareOp::kNe) {
            ref.fail(offset, "'" + op + "' needs an int field; " + field_desc);
          }
          return make_string_compare(field, *cmp, literal);
        }
        if (auto sop = string_op(op)) return make_string_op(field, *sop, literal);
        if (op == "glob") {
          std::string glob_error;
          auto predicate = make_glob(field, literal, glob_error);
          if (!predicate) ref.fail(operand.offset, glob_error);
          return predicate;
        }
        if (op == "regex") {
          std::string regex_error;
          auto predicate = make_regex(field, literal, regex_error);
          if (!predicate) ref.fail(operand.offset, regex_error);
          return predicate;
        }
        break;
      case FieldType::kInt: {
        auto cmp = compare_op(op);
        if (!cmp) ref.fail(offset, "'" + op + "' needs a string field; " + field_desc);
        auto number = operand.kind == Operand::Kind::kBare ? parse_int(literal) : std::nullopt;
        if (!number) ref.fail(operand.offset, "expected an integer; " + field_desc);
        return make_int_compare(field, *cmp, *number);
      }
      case FieldType::kBool: {
        auto cmp = compare_op(op);
        if (!cmp || (*cmp != CompareOp::kEq && *cmp != CompareOp::kNe)) {
          ref.fail(offset, "'" + op + "' is not defined for bool; " + field_desc);
        }
        if (operand.kind != Operand::Kind::kBare || (literal != "true" && literal != "false")) {
          ref.fail(operand.offset, "expected true or false; " + field_desc);
        }
        return make_bool_compare(field, *cmp, literal == "true");
      }
    }
    ref.fail(offset, "unknown operator '" + op + "'");
  }

  PredicatePtr compile_field_compare(FieldId left, const std::string& op, FieldId right,
                                     const TextRef& ref, std::size_t offset,
                                     std::size_t right_offset) {
    check_source(right, ref, right_offset);
    const FieldInfo& a = field_info(left);
    const FieldInfo& b = field_info(right);
    auto cmp = compare_op(op);
    if (!cmp) ref.fail(offset, "'" + op + "' cannot compare two fields; use = != < <= > >=");
    if (a.type != b.type) {
      ref.fail(right_offset, "cannot compare " + std::string(a.name) + " (" +
                                 std::string(field_type_name(a.type)) + ") with " +
                                 std::string(b.name) + " (" + std::string(field_type_name(b.type)) +
                                 ")");
    }
    if (a.type != FieldType::kInt && *cmp != CompareOp::kEq && *cmp != CompareOp::kNe) {
      ref.fail(offset, "'" + op + "' needs int fields");
    }
    return make_field_compare(left, *cmp, right);
  }

  // An exception excludes events where, for any one value tuple, every field matches.
  PredicatePtr compile_exception(const ExceptionDef& def) {
    if (def.fields.empty() || def.comps.size() != def.fields.size()) {
      throw CompileFailure{def.pos, "exception '" + def.name + "' needs one comp per field"};
    }
    std::vector<FieldId> fields;
    for (const LocatedText& name : def.fields) {
      fields.push_back(resolve_field(name.text, TextRef{&name}, 0));
    }
    std::vector<PredicatePtr> tuples;
    for (const auto& tuple : def.values) {
      if (tuple.size() != fields.size()) {
        throw CompileFailure{def.pos,
                             "exception '" + def.name + "' has a value tuple of the wrong size"};
      }
      std::vector<PredicatePtr> parts;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        parts.push_back(compile_exception_part(fields[i], def.comps[i], tuple[i]));
      }
      tuples.push_back(make_and(std::move(parts)));
    }
    return make_or(std::move(tuples));
  }

  // Exception values are always literals: no field references, no list-name expansion.
  PredicatePtr compile_exception_part(FieldId field, const LocatedText& comp,
                                      const ExceptionValue& value) {
    const TextRef at_comp{&comp};
    if (value.items.empty()) at_comp.fail(0, "empty exception value");
    const bool list_op = is_list_operator(comp.text);
    if (!list_op && !is_binary_operator(comp.text)) {
      at_comp.fail(0, "unknown comparison '" + comp.text + "' in exception");
    }
    if (!list_op && value.is_list) {
      TextRef{&value.items.front()}.fail(0, "a list value needs 'in' or 'pmatch'");
    }
    Operand operand{Operand::Kind::kQuoted, value.items.front().text, {}, 0};
    if (list_op) {
      operand = Operand{Operand::Kind::kList, "", {}, 0};
      for (const LocatedText& item : value.items) {
        operand.items.push_back({Operand::Kind::kQuoted, item.text, {}, 0});
      }
    }
    const std::string op = comp.text == "==" ? "=" : comp.text;
    return compile_compare(field, op, operand, TextRef{&value.items.front()}, 0);
  }

  void lint(const RuleDef& def, const CompiledRule& rule,
            std::map<std::pair<Source, std::string>, std::string>& seen_conditions) {
    if (auto constant = constant_value(*rule.condition); constant && !*constant) {
      warn(def.pos, "rule '" + def.name + "' can never match (its condition is always false)");
    } else if (contradictory(*rule.condition)) {
      warn(def.pos, "rule '" + def.name +
                        "' can never match (one field is required to equal two different values)");
    }
    if (!def.enabled) return;
    auto [it, inserted] =
        seen_conditions.emplace(std::make_pair(def.source, rule.condition_text), def.name);
    if (!inserted) {
      warn(def.pos, "rule '" + def.name + "' is shadowed: rule '" + it->second +
                        "' has the same source and condition");
    }
  }

  static bool contradictory(const Predicate& condition) {
    const auto* conjuncts = and_children(condition);
    if (!conjuncts) return false;
    std::map<FieldId, std::vector<std::string>> allowed;
    for (const auto& conjunct : *conjuncts) {
      auto key = equality_key(*conjunct);
      if (!key) continue;
      auto [it, inserted] = allowed.emplace(key->field, key->values);
      if (inserted) continue;
      std::vector<std::string> both;
      std::set_intersection(it->second.begin(), it->second.end(), key->values.begin(),
                            key->values.end(), std::back_inserter(both));
      if (both.empty()) return true;
      it->second = std::move(both);
    }
    return false;
  }

  const PackDocument& document_;
  std::vector<Diagnostic>& diagnostics_;
  std::map<std::string, const ListDef*> lists_;
  std::map<std::string, const MacroDef*> macros_;
  std::vector<Diagnostic>* sink_ = &diagnostics_;  // where error() and warn() report
  std::map<std::pair<Source, std::string>, PredicatePtr> compiled_macros_;
  std::map<std::pair<Source, std::string>, unsigned> macro_uses_;
  std::map<std::pair<Source, std::string>, unsigned> memo_slots_;
  std::set<std::string> macros_in_progress_;
  std::set<std::string> lists_in_progress_;
  Source source_ = Source::kVault;
};

}  // namespace

CompileResult compile_pack(const PackDocument& document) {
  CompileResult result;
  result.pack = PackCompiler(document, result.diagnostics).compile();
  return result;
}

CompileResult load_pack(const std::vector<RuleFile>& files) {
  DocumentResult loaded = load_document(files);
  CompileResult result;
  result.diagnostics = std::move(loaded.diagnostics);
  if (has_errors(result.diagnostics)) return result;
  CompileResult compiled = compile_pack(loaded.document);
  result.pack = std::move(compiled.pack);
  result.diagnostics.insert(result.diagnostics.end(), compiled.diagnostics.begin(),
                            compiled.diagnostics.end());
  return result;
}

}  // namespace panguard::rules
