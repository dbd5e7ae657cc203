// Applies rule files in order to one PackDocument. Each item is decoded and checked on its own
// (pack_loader_items.cpp); here it either defines a new name or, through `override`, changes an
// earlier definition. An item with any error is dropped whole, and loading goes on so that every
// error is reported.
#include "rules/pack_loader.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>

#include "rules/pack_loader_items.h"
#include "rules/pack_loader_values.h"
#include "rules/pack_loader_yaml.h"

namespace panguard::rules {
namespace {

using loader::Item;
using loader::ItemKey;
using loader::ItemKind;
using loader::OverrideMode;
using loader::quoted;
using loader::YamlNode;

constexpr std::array<std::string_view, 1> kListRequired = {"items"};
constexpr std::array<std::string_view, 1> kMacroRequired = {"condition"};
constexpr std::array<std::string_view, 5> kRuleRequired = {"desc", "source", "condition", "output",
                                                           "priority"};

std::string location(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
}

std::string describe(const Item& item) {
  return std::string(loader::item_kind_name(*item.kind)) + " " + quoted(item.name);
}

// "(" + old + ") " + addition, every part keeping its source positions.
LocatedText appended_condition(const LocatedText& old, const LocatedText& addition) {
  LocatedText combined;
  combined.text = "(" + old.text + ")";
  if (!old.anchors.empty()) combined.anchors.emplace_back(0, old.anchors.front().second);
  for (const auto& [offset, pos] : old.anchors) combined.anchors.emplace_back(offset + 1, pos);
  combined.append(addition);
  return combined;
}

template <typename T>
void change(std::vector<T>& target, std::vector<T>&& update, OverrideMode mode) {
  if (mode == OverrideMode::kReplace) target.clear();
  target.insert(target.end(), std::make_move_iterator(update.begin()),
                std::make_move_iterator(update.end()));
}

void change(LocatedText& target, LocatedText&& update, OverrideMode mode) {
  target = mode == OverrideMode::kAppend ? appended_condition(target, update) : std::move(update);
}

class DocumentBuilder {
 public:
  explicit DocumentBuilder(std::vector<Diagnostic>& diagnostics) : diagnostics_(diagnostics) {}

  void add_file(const RuleFile& file) {
    const std::size_t first_diagnostic = diagnostics_.size();
    if (auto root = loader::read_yaml(file, diagnostics_)) add_items(*root);
    sort_by_position(first_diagnostic);
  }

  PackDocument take() { return std::move(document_); }

 private:
  void add_items(const YamlNode& root) {
    if (root.kind == YamlNode::Kind::kNull || root.kind == YamlNode::Kind::kInvalid) return;
    if (root.kind != YamlNode::Kind::kSequence) {
      error(root.pos,
            "a rule file must be a YAML sequence of items (- rule: ..., - macro: ..., "
            "- list: ...), not " +
                std::string(loader::kind_description(root)));
      return;
    }
    for (const YamlNode& node : root.values) add_item(node);
  }

  void add_item(const YamlNode& node) {
    Item item = loader::decode_item(node, diagnostics_);
    if (!item.kind) return;
    if (!item.valid) {
      if (!item.name.empty()) broken_.emplace(*item.kind, item.name);
      return;
    }
    if (*item.kind == ItemKind::kEngineVersion) {
      document_.required_engine_version =
          std::max(document_.required_engine_version, item.engine_version);
      return;
    }
    auto& names = names_of(*item.kind);
    if (auto existing = names.find(item.name); existing != names.end()) {
      change_existing(item, existing->second);
    } else if (!(item.has_override && broken_.contains({*item.kind, item.name}))) {
      define(item);  // unless it overrides a definition whose errors were already reported
    }
  }

  void define(Item& item) {
    if (item.has_override) {
      error(item.pos,
            describe(item) + " is not defined in an earlier item, so it cannot be overridden");
      return;
    }
    if (!has_required_keys(item)) {
      broken_.emplace(*item.kind, item.name);
      return;
    }
    auto& names = names_of(*item.kind);
    switch (*item.kind) {
      case ItemKind::kList:
        names.emplace(item.name, document_.lists.size());
        document_.lists.push_back(std::move(item.list));
        break;
      case ItemKind::kMacro:
        names.emplace(item.name, document_.macros.size());
        document_.macros.push_back(std::move(item.macro));
        break;
      case ItemKind::kRule:
        names.emplace(item.name, document_.rules.size());
        document_.rules.push_back(std::move(item.rule));
        break;
      case ItemKind::kEngineVersion:
        break;
    }
  }

  bool has_required_keys(const Item& item) {
    std::string missing;
    for (std::string_view required : required_keys(*item.kind)) {
      auto found = std::find_if(item.keys.begin(), item.keys.end(),
                                [&](const ItemKey& key) { return key.name == required; });
      if (found != item.keys.end()) continue;
      missing += missing.empty() ? "" : ", ";
      missing += quoted(required);
    }
    if (missing.empty()) return true;
    error(item.pos, describe(item) + " lacks required key(s) " + missing);
    return false;
  }

  static std::span<const std::string_view> required_keys(ItemKind kind) {
    switch (kind) {
      case ItemKind::kList:
        return kListRequired;
      case ItemKind::kMacro:
        return kMacroRequired;
      case ItemKind::kRule:
        return kRuleRequired;
      case ItemKind::kEngineVersion:
        break;
    }
    return {};
  }

  void change_existing(Item& item, std::size_t index) {
    if (!item.has_override) {
      error(item.pos, describe(item) + " is already defined at " +
                          location(defined_at(*item.kind, index)) +
                          "; a later item may change it only with an 'override' map");
      return;
    }
    switch (*item.kind) {
      case ItemKind::kList:  // `items` is the only key a list override can name
        change(document_.lists[index].items, std::move(item.list.items), item.keys.front().mode);
        break;
      case ItemKind::kMacro:  // likewise `condition`
        change(document_.macros[index].condition, std::move(item.macro.condition),
               item.keys.front().mode);
        break;
      case ItemKind::kRule:
        change_rule(item, document_.rules[index]);
        break;
      case ItemKind::kEngineVersion:
        break;
    }
  }

  void change_rule(Item& item, RuleDef& rule) {
    if (!exceptions_can_be_added(item, rule)) return;  // checked before anything changes
    RuleDef& update = item.rule;
    for (const ItemKey& key : item.keys) {
      const std::string_view name = key.name;
      if (name == "condition") change(rule.condition, std::move(update.condition), key.mode);
      if (name == "exceptions") change(rule.exceptions, std::move(update.exceptions), key.mode);
      if (name == "tags") change(rule.tags, std::move(update.tags), key.mode);
      if (name == "desc") rule.desc = std::move(update.desc);
      if (name == "output") rule.output = std::move(update.output);
      if (name == "priority") rule.priority = update.priority;
      if (name == "enabled") rule.enabled = update.enabled;
      if (name == "action") rule.action = update.action;
      if (name == "limit") rule.limit = std::move(update.limit);
      if (name == "dedup") rule.dedup = std::move(update.dedup);
      if (name == "source") rule.source = update.source;
    }
  }

  // Appended exceptions may not reuse a name: two exceptions of one name would be ambiguous.
  bool exceptions_can_be_added(const Item& item, const RuleDef& rule) {
    auto key = std::find_if(item.keys.begin(), item.keys.end(),
                            [](const ItemKey& k) { return k.name == "exceptions"; });
    if (key == item.keys.end() || key->mode != OverrideMode::kAppend) return true;
    std::unordered_map<std::string_view, const ExceptionDef*> existing;
    for (const ExceptionDef& e : rule.exceptions) existing.emplace(e.name, &e);
    bool can = true;
    for (const ExceptionDef& added : item.rule.exceptions) {
      auto earlier = existing.find(added.name);
      if (earlier == existing.end()) continue;
      error(added.pos, "exception " + quoted(added.name) + " of " + describe(item) +
                           " is already defined at " + location(earlier->second->pos));
      can = false;
    }
    return can;
  }

  std::map<std::string, std::size_t>& names_of(ItemKind kind) {
    if (kind == ItemKind::kList) return lists_;
    if (kind == ItemKind::kMacro) return macros_;
    return rules_;
  }

  const SourcePos& defined_at(ItemKind kind, std::size_t index) const {
    if (kind == ItemKind::kList) return document_.lists[index].pos;
    if (kind == ItemKind::kMacro) return document_.macros[index].pos;
    return document_.rules[index].pos;
  }

  void error(const SourcePos& pos, std::string message) {
    diagnostics_.push_back(Diagnostic{
        .severity = Diagnostic::Severity::kError, .pos = pos, .message = std::move(message)});
  }

  // Parse errors are found before the items that precede them are checked; report in file order.
  void sort_by_position(std::size_t first) {
    std::stable_sort(diagnostics_.begin() + static_cast<std::ptrdiff_t>(first), diagnostics_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.pos.line, a.pos.col) < std::tie(b.pos.line, b.pos.col);
                     });
  }

  std::vector<Diagnostic>& diagnostics_;
  PackDocument document_;
  std::map<std::string, std::size_t> lists_;
  std::map<std::string, std::size_t> macros_;
  std::map<std::string, std::size_t> rules_;
  // Names whose definition had errors: overrides of them are skipped, not reported again.
  std::set<std::pair<ItemKind, std::string>> broken_;
};

}  // namespace

DocumentResult load_document(const std::vector<RuleFile>& files) {
  DocumentResult result;
  DocumentBuilder builder(result.diagnostics);
  for (const RuleFile& file : files) builder.add_file(file);
  result.document = builder.take();
  return result;
}

}  // namespace panguard::rules
