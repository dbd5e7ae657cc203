#include "rules/pack_loader_items.h"

#include <algorithm>
#include <array>
#include <span>
#include <unordered_set>

#include "rules/pack_loader.h"
#include "rules/pack_loader_values.h"

namespace panguard::rules::loader {
namespace {

using Kind = YamlNode::Kind;

struct KindKey {
  std::string_view key;
  ItemKind kind;
};
constexpr std::array<KindKey, 4> kKindKeys = {{
    {"required_engine_version", ItemKind::kEngineVersion},
    {"list", ItemKind::kList},
    {"macro", ItemKind::kMacro},
    {"rule", ItemKind::kRule},
}};

// Keys a later item may change with `override`, and whether `append` is allowed for them.
struct OverridableKey {
  std::string_view key;
  bool appendable = false;
};
constexpr std::array<OverridableKey, 1> kListOverridable = {{{"items", true}}};
constexpr std::array<OverridableKey, 1> kMacroOverridable = {{{"condition", true}}};
constexpr std::array<OverridableKey, 11> kRuleOverridable = {{
    {"condition", true},
    {"exceptions", true},
    {"tags", true},
    {"desc", false},
    {"output", false},
    {"priority", false},
    {"enabled", false},
    {"action", false},
    {"limit", false},
    {"dedup", false},
    {"source", false},
}};

std::span<const OverridableKey> overridable_keys(ItemKind kind) {
  switch (kind) {
    case ItemKind::kList:
      return kListOverridable;
    case ItemKind::kMacro:
      return kMacroOverridable;
    case ItemKind::kRule:
      return kRuleOverridable;
    case ItemKind::kEngineVersion:
      break;
  }
  return {};
}

std::string overridable_list(ItemKind kind) {
  std::string names;
  for (const OverridableKey& key : overridable_keys(kind)) {
    if (!names.empty()) names += ", ";
    names += key.key;
  }
  return names;
}

bool has_outer_blanks(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\n\r";
  return kBlanks.find(text.front()) != std::string_view::npos ||
         kBlanks.find(text.back()) != std::string_view::npos;
}

template <typename T>
void assign(std::optional<T> value, T& target) {
  if (value) target = std::move(*value);
}

class ItemDecoder {
 public:
  explicit ItemDecoder(std::vector<Diagnostic>& diagnostics) : reader_(diagnostics) {}

  Item decode(const YamlNode& node) {
    Item item;
    item.pos = node.pos;
    auto entries = reader_.entries(node, "a rule file item");
    if (entries) item.kind = identify(*entries, node);
    if (item.kind == ItemKind::kEngineVersion) {
      decode_engine_version(*entries, item);
    } else if (item.kind) {
      decode_definition(*entries, item);
    }
    item.valid = item.kind.has_value() && reader_.ok();
    return item;
  }

 private:
  std::optional<ItemKind> identify(const std::vector<MapEntry>& entries, const YamlNode& node) {
    const MapEntry* found = nullptr;
    std::optional<ItemKind> kind;
    for (const MapEntry& entry : entries) {
      auto kind_key = std::find_if(kKindKeys.begin(), kKindKeys.end(),
                                   [&](const KindKey& k) { return k.key == entry.key; });
      if (kind_key == kKindKeys.end()) continue;
      if (found) {
        reader_.error(entry.key_node->pos, "an item defines one thing, but this one has both " +
                                               quoted(found->key) + " and " + quoted(entry.key));
        return std::nullopt;
      }
      found = &entry;
      kind = kind_key->kind;
    }
    if (!kind) {
      reader_.error(node.pos,
                    "an item must have one of the keys rule, macro, list or "
                    "required_engine_version");
    }
    return kind;
  }

  void decode_engine_version(const std::vector<MapEntry>& entries, Item& item) {
    for (const MapEntry& entry : entries) {
      if (entry.key != item_kind_name(ItemKind::kEngineVersion)) {
        unknown_key(entry, "a required_engine_version item");
        continue;
      }
      auto version = reader_.integer(*entry.value, "'required_engine_version'", 0);
      if (version && *version > kEngineVersion) {
        reader_.error(entry.value->pos,
                      "these rules require engine version " + std::to_string(*version) +
                          "; this Panguard implements version " + std::to_string(kEngineVersion));
      }
      if (version) item.engine_version = *version;
    }
  }

  void decode_definition(const std::vector<MapEntry>& entries, Item& item) {
    const std::string_view kind_key = item_kind_name(*item.kind);
    for (const MapEntry& entry : entries) {
      if (entry.key == kind_key) decode_name(*entry.value, item);
    }
    context_ = std::string(kind_key) + " " + quoted(item.name);
    const MapEntry* override_entry = nullptr;
    for (const MapEntry& entry : entries) {
      if (entry.key == kind_key) continue;
      if (entry.key == "override") {
        override_entry = &entry;
      } else if (set_key(*item.kind, entry, item)) {
        item.keys.push_back(ItemKey{std::string(entry.key), entry.key_node->pos});
      }
    }
    item.list.name = item.macro.name = item.rule.name = item.name;
    item.list.pos = item.macro.pos = item.rule.pos = item.pos;
    if (override_entry) read_override(*override_entry, item);
  }

  void decode_name(const YamlNode& node, Item& item) {
    const std::string what = quoted(item_kind_name(*item.kind));
    auto name = reader_.text(node, what);
    if (!name) return;
    if (name->text.empty()) {
      reader_.error(node.pos, what + " must not be empty");
    } else if (has_outer_blanks(name->text)) {
      reader_.error(node.pos, what + " must not start or end with blanks or line breaks");
    } else {
      item.name = std::move(name->text);
    }
  }

  void unknown_key(const MapEntry& entry, std::string_view where) {
    reader_.error(entry.key_node->pos,
                  "unknown key " + quoted(entry.key) + " in " + std::string(where));
  }

  // Reads one key of a definition; false (after reporting) when the key is unknown.
  bool set_key(ItemKind kind, const MapEntry& entry, Item& item) {
    bool known = false;
    if (kind == ItemKind::kList) known = set_list_key(entry, item.list);
    if (kind == ItemKind::kMacro) known = set_macro_key(entry, item.macro);
    if (kind == ItemKind::kRule) known = set_rule_key(entry, item.rule);
    if (!known) unknown_key(entry, context_);
    return known;
  }

  bool set_list_key(const MapEntry& entry, ListDef& list) {
    if (entry.key != "items") return false;
    assign(reader_.text_list(*entry.value, "'items'", false), list.items);
    return true;
  }

  bool set_macro_key(const MapEntry& entry, MacroDef& macro) {
    if (entry.key != "condition") return false;
    assign(reader_.trimmed_text(*entry.value, "'condition'"), macro.condition);
    return true;
  }

  bool set_rule_key(const MapEntry& entry, RuleDef& rule) {
    const YamlNode& value = *entry.value;
    const std::string_view key = entry.key;
    if (key == "desc") {
      if (auto desc = reader_.trimmed_text(value, "'desc'")) rule.desc = std::move(desc->text);
    } else if (key == "source") {
      read_source(value, rule);
    } else if (key == "condition") {
      assign(reader_.trimmed_text(value, "'condition'"), rule.condition);
    } else if (key == "output") {
      assign(reader_.trimmed_text(value, "'output'"), rule.output);
    } else if (key == "priority") {
      read_priority(value, rule);
    } else if (key == "tags") {
      read_tags(value, rule);
    } else if (key == "enabled") {
      assign(reader_.boolean(value, "'enabled'"), rule.enabled);
    } else if (key == "action") {
      read_action(value, rule);
    } else if (key == "exceptions") {
      assign(read_exceptions(value), rule.exceptions);
    } else if (key == "limit") {
      if (auto limit = read_limit(value)) rule.limit = std::move(*limit);
    } else if (key == "dedup") {
      if (auto dedup = read_dedup(value)) rule.dedup = std::move(*dedup);
    } else {
      return false;
    }
    return true;
  }

  void read_source(const YamlNode& node, RuleDef& rule) {
    auto name = reader_.text(node, "'source'");
    if (!name) return;
    auto source = parse_source(name->text);
    if (!source) {
      reader_.error(node.pos, "unknown source " + quoted(name->text) +
                                  " (expected vault, nats, process, network, usage or platform)");
      return;
    }
    rule.source = *source;
  }

  void read_priority(const YamlNode& node, RuleDef& rule) {
    auto name = reader_.text(node, "'priority'");
    if (!name) return;
    auto priority = parse_priority(name->text);
    if (!priority) {
      reader_.error(node.pos, "unknown priority " + quoted(name->text) +
                                  " (expected emergency, alert, critical, error, warning, "
                                  "notice, informational, info or debug)");
      return;
    }
    rule.priority = *priority;
  }

  void read_action(const YamlNode& node, RuleDef& rule) {
    auto name = reader_.text(node, "'action'");
    if (!name) return;
    if (name->text == "alert") {
      rule.action = Action::kAlert;
    } else if (name->text == "deny") {
      rule.action = Action::kDeny;
    } else {
      reader_.error(node.pos, "unknown action " + quoted(name->text) + " (expected alert or deny)");
    }
  }

  void read_tags(const YamlNode& node, RuleDef& rule) {
    auto tags = reader_.text_list(node, "'tags'", false);
    if (!tags) return;
    rule.tags.clear();
    for (LocatedText& tag : *tags) {
      if (tag.text.empty()) {
        reader_.error(tag.position_of(0), "each entry of 'tags' must not be empty");
      }
      rule.tags.push_back(std::move(tag.text));
    }
  }

  std::optional<std::vector<ExceptionDef>> read_exceptions(const YamlNode& node) {
    if (node.kind != Kind::kSequence) {
      reader_.text_list(node, "'exceptions'", false);  // reports the type error
      return std::nullopt;
    }
    std::vector<ExceptionDef> exceptions;
    std::unordered_set<std::string> names;  // hostile files can be large
    for (const YamlNode& entry : node.values) {
      auto exception = read_exception(entry);
      if (!exception) continue;
      if (!names.insert(exception->name).second) {
        reader_.error(exception->pos,
                      "exception " + quoted(exception->name) + " is defined twice in " + context_);
        continue;
      }
      exceptions.push_back(std::move(*exception));
    }
    return exceptions;  // the caller drops the item if anything failed
  }

  std::optional<ExceptionDef> read_exception(const YamlNode& node) {
    auto entries = reader_.entries(node, "each entry of 'exceptions'");
    if (!entries) return std::nullopt;
    const int failures_before = reader_.failures();
    ExceptionDef exception;
    exception.pos = node.pos;
    const YamlNode* fields = nullptr;
    const YamlNode* comps = nullptr;
    const YamlNode* values = nullptr;
    for (const MapEntry& entry : *entries) {
      if (entry.key == "name") {
        if (auto name = reader_.trimmed_text(*entry.value, "'name' of an exception")) {
          exception.name = std::move(name->text);
        }
      } else if (entry.key == "fields") {
        fields = entry.value;
      } else if (entry.key == "comps") {
        comps = entry.value;
      } else if (entry.key == "values") {
        values = entry.value;
      } else {
        unknown_key(entry, "an exception of " + context_);
      }
    }
    if (!require_exception_keys(*entries, node)) return std::nullopt;
    read_exception_fields(*fields, comps, exception);
    if (reader_.failures() != failures_before) return std::nullopt;
    read_exception_values(*values, fields->kind == Kind::kScalar, exception);
    if (reader_.failures() != failures_before) return std::nullopt;
    return exception;
  }

  bool require_exception_keys(const std::vector<MapEntry>& entries, const YamlNode& node) {
    bool complete = true;
    for (std::string_view required : {"name", "fields", "values"}) {
      auto found = std::find_if(entries.begin(), entries.end(),
                                [&](const MapEntry& entry) { return entry.key == required; });
      if (found == entries.end()) {
        reader_.error(node.pos, "an exception of " + context_ + " is missing " + quoted(required));
        complete = false;
      }
    }
    return complete;
  }

  void read_exception_fields(const YamlNode& fields_node, const YamlNode* comps_node,
                             ExceptionDef& exception) {
    assign(reader_.name_list(fields_node, "'fields'", true), exception.fields);
    if (exception.fields.empty()) return;
    if (!comps_node) {
      // "=" for every field, placed on the field it compares.
      for (const LocatedText& field : exception.fields) {
        exception.comps.push_back(LocatedText::at("=", field.position_of(0)));
      }
      return;
    }
    const bool one_field = exception.fields.size() == 1;
    assign(reader_.name_list(*comps_node, "'comps'", one_field), exception.comps);
    if (!exception.comps.empty() && exception.comps.size() != exception.fields.size()) {
      reader_.error(comps_node->pos, "'comps' has " + std::to_string(exception.comps.size()) +
                                         " entries but 'fields' has " +
                                         std::to_string(exception.fields.size()));
    }
  }

  // One tuple per entry. A plain string is a one-element tuple when there is one field; a
  // sequence is a tuple, or, when `fields` is a single string, a list value for that field.
  void read_exception_values(const YamlNode& node, bool single_field_form,
                             ExceptionDef& exception) {
    if (node.kind != Kind::kSequence) {
      reader_.text_list(node, "'values'", false);  // reports the type error
      return;
    }
    const std::size_t field_count = exception.fields.size();
    for (const YamlNode& entry : node.values) {
      std::vector<ExceptionValue> tuple;
      if (entry.kind == Kind::kScalar && field_count == 1) {
        tuple.push_back(ExceptionValue{false, {entry.scalar}});
      } else if (entry.kind == Kind::kSequence && single_field_form) {
        tuple.push_back(read_value_element(entry));
      } else if (entry.kind == Kind::kSequence && entry.values.size() == field_count) {
        for (const YamlNode& element : entry.values) tuple.push_back(read_value_element(element));
      } else if (entry.kind == Kind::kSequence) {
        reader_.error(entry.pos, "each entry of 'values' needs one element per field (" +
                                     std::to_string(field_count) + "), found " +
                                     std::to_string(entry.values.size()));
      } else if (entry.kind != Kind::kInvalid) {
        reader_.error(entry.pos,
                      "each entry of 'values' must be a sequence with one element "
                      "per field, not " +
                          std::string(kind_description(entry)));
      } else {
        reader_.fail_silently();
      }
      exception.values.push_back(std::move(tuple));
    }
  }

  ExceptionValue read_value_element(const YamlNode& node) {
    if (node.kind == Kind::kSequence) {
      ExceptionValue list{true, {}};
      assign(reader_.text_list(node, "a list in 'values'", false), list.items);
      if (node.values.empty()) reader_.error(node.pos, "a list in 'values' must not be empty");
      return list;
    }
    ExceptionValue value{false, {}};
    if (auto text = reader_.text(node, "an element of 'values'")) value.items.push_back(*text);
    return value;
  }

  std::optional<LimitDef> read_limit(const YamlNode& node) {
    auto entries = reader_.entries(node, "'limit'");
    if (!entries) return std::nullopt;
    LimitDef limit;
    limit.pos = node.pos;
    bool has_key = false;
    bool has_rate = false;
    bool has_burst = false;
    for (const MapEntry& entry : *entries) {
      if (entry.key == "key") {
        has_key = true;
        assign(reader_.name_list(*entry.value, "'key'", false), limit.key);
      } else if (entry.key == "rate") {
        has_rate = true;
        read_rate(*entry.value, limit);
      } else if (entry.key == "burst") {
        has_burst = true;
        assign(reader_.integer(*entry.value, "'burst'", 1), limit.burst);
      } else if (entry.key == "on_store_failure") {
        read_store_failure(*entry.value, limit);
      } else {
        unknown_key(entry, "the limit of " + context_);
      }
    }
    if (!has_key) reader_.error(node.pos, "the limit of " + context_ + " is missing 'key'");
    if (!has_rate) reader_.error(node.pos, "the limit of " + context_ + " is missing 'rate'");
    if (!has_burst) limit.burst = limit.rate_count;
    return limit;
  }

  void read_store_failure(const YamlNode& node, LimitDef& limit) {
    auto text = reader_.text(node, "'on_store_failure'");
    if (!text) return;
    if (text->text == "closed") {
      limit.on_store_failure = StoreFailureMode::kClosed;
    } else if (text->text == "open") {
      limit.on_store_failure = StoreFailureMode::kOpen;
    } else if (text->text == "local") {
      limit.on_store_failure = StoreFailureMode::kLocal;
    } else {
      reader_.error(node.pos, "invalid on_store_failure " + quoted(text->text) +
                                  ": expected closed, open or local");
    }
  }

  std::optional<DedupDef> read_dedup(const YamlNode& node) {
    auto entries = reader_.entries(node, "'dedup'");
    if (!entries) return std::nullopt;
    DedupDef dedup;
    dedup.pos = node.pos;
    bool has_window = false;
    for (const MapEntry& entry : *entries) {
      if (entry.key == "key") {
        assign(reader_.name_list(*entry.value, "'key'", false), dedup.key);
      } else if (entry.key == "window") {
        has_window = true;
        auto text = reader_.text(*entry.value, "'window'");
        if (!text) continue;
        auto window = parse_duration(text->text);
        if (!window) {
          reader_.error(entry.value->pos,
                        "invalid window " + quoted(text->text) +
                            ": expected N followed by s, m or h with N a positive integer");
        } else {
          dedup.window_ns = *window;
        }
      } else {
        unknown_key(entry, "the dedup of " + context_);
      }
    }
    if (!has_window) reader_.error(node.pos, "the dedup of " + context_ + " is missing 'window'");
    return dedup;
  }

  void read_rate(const YamlNode& node, LimitDef& limit) {
    auto text = reader_.text(node, "'rate'");
    if (!text) return;
    auto rate = parse_rate(text->text);
    if (!rate) {
      reader_.error(node.pos, "invalid rate " + quoted(text->text) +
                                  ": expected N/s, N/m or N/h with N a positive integer");
      return;
    }
    limit.rate_count = rate->count;
    limit.period_ns = rate->period_ns;
  }

  void read_override(const MapEntry& entry, Item& item) {
    item.has_override = true;
    auto entries = reader_.entries(*entry.value, "'override'");
    if (!entries) return;
    if (entries->empty()) {
      reader_.error(entry.value->pos, "'override' must name at least one key");
      return;
    }
    const auto allowed = overridable_keys(*item.kind);
    std::vector<bool> named(item.keys.size(), false);
    for (const MapEntry& named_key : *entries) {
      auto spec = std::find_if(allowed.begin(), allowed.end(),
                               [&](const OverridableKey& k) { return k.key == named_key.key; });
      if (spec == allowed.end()) {
        reader_.error(named_key.key_node->pos,
                      quoted(named_key.key) + " cannot be overridden in a " +
                          std::string(item_kind_name(*item.kind)) +
                          " (overridable: " + overridable_list(*item.kind) + ")");
        continue;
      }
      auto key = std::find_if(item.keys.begin(), item.keys.end(),
                              [&](const ItemKey& k) { return k.name == named_key.key; });
      if (key == item.keys.end()) {
        reader_.error(named_key.key_node->pos, "'override' names " + quoted(named_key.key) +
                                                   ", which this item does not set");
        continue;
      }
      named[static_cast<std::size_t>(key - item.keys.begin())] = true;
      if (auto mode = override_mode(*named_key.value, *spec)) key->mode = *mode;
    }
    for (std::size_t i = 0; i < item.keys.size(); ++i) {
      if (named[i]) continue;
      reader_.error(item.keys[i].pos,
                    quoted(item.keys[i].name) + " must be named in 'override' (append or replace)");
    }
  }

  std::optional<OverrideMode> override_mode(const YamlNode& node, const OverridableKey& spec) {
    auto mode = reader_.text(node, "an override mode");
    if (!mode) return std::nullopt;
    if (mode->text == "replace") return OverrideMode::kReplace;
    if (mode->text == "append" && spec.appendable) return OverrideMode::kAppend;
    if (mode->text == "append") {
      reader_.error(node.pos, quoted(spec.key) + " can only be replaced, not appended to");
    } else {
      reader_.error(node.pos,
                    "override mode must be 'append' or 'replace', not " + quoted(mode->text));
    }
    return std::nullopt;
  }

  ValueReader reader_;
  std::string context_;  // e.g. "rule 'Foreign Vault path'", for messages
};

}  // namespace

std::string_view item_kind_name(ItemKind kind) {
  for (const KindKey& key : kKindKeys) {
    if (key.kind == kind) return key.key;
  }
  return "item";
}

Item decode_item(const YamlNode& node, std::vector<Diagnostic>& diagnostics) {
  return ItemDecoder(diagnostics).decode(node);
}

}  // namespace panguard::rules::loader
