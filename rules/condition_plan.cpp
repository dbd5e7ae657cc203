#include "rules/condition_plan.h"

#include <algorithm>

namespace panguard::rules {
namespace {

std::string_view name_of(FieldId field) { return field_info(field).name; }

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

template <typename T>
bool compare(const T& a, CompareOp op, const T& b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
  }
  return false;
}

class Constant final : public Predicate {
 public:
  explicit Constant(bool value) : value_(value) {}
  bool eval(const Event&) const override { return value_; }
  std::string describe() const override { return value_ ? "true" : "false"; }
  bool value() const { return value_; }

 private:
  bool value_;
};

class And final : public Predicate {
 public:
  explicit And(std::vector<PredicatePtr> children) : children_(std::move(children)) {}
  bool eval(const Event& event) const override {
    for (const auto& child : children_) {
      if (!child->eval(event)) return false;
    }
    return true;
  }
  std::string describe() const override { return join(" and "); }
  const std::vector<PredicatePtr>& children() const { return children_; }

 private:
  std::string join(std::string_view sep) const {
    std::string out = "(";
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (i) out += sep;
      out += children_[i]->describe();
    }
    return out + ")";
  }
  std::vector<PredicatePtr> children_;
};

class Or final : public Predicate {
 public:
  explicit Or(std::vector<PredicatePtr> children) : children_(std::move(children)) {}
  bool eval(const Event& event) const override {
    for (const auto& child : children_) {
      if (child->eval(event)) return true;
    }
    return false;
  }
  std::string describe() const override {
    std::string out = "(";
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (i) out += " or ";
      out += children_[i]->describe();
    }
    return out + ")";
  }

 private:
  std::vector<PredicatePtr> children_;
};

class Not final : public Predicate {
 public:
  explicit Not(PredicatePtr child) : child_(std::move(child)) {}
  bool eval(const Event& event) const override { return !child_->eval(event); }
  std::string describe() const override { return "not " + child_->describe(); }

 private:
  PredicatePtr child_;
};

class Exists final : public Predicate {
 public:
  explicit Exists(FieldId field) : field_(field) {}
  bool eval(const Event& event) const override { return event.has(field_); }
  std::string describe() const override { return std::string(name_of(field_)) + " exists"; }

 private:
  FieldId field_;
};

class StringCompare final : public Predicate {
 public:
  StringCompare(FieldId field, CompareOp op, std::string literal)
      : field_(field), op_(op), literal_(std::move(literal)) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    return value && (op_ == CompareOp::kEq) == (*value == literal_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           quote(literal_);
  }
  FieldId field() const { return field_; }
  CompareOp op() const { return op_; }
  const std::string& literal() const { return literal_; }

 private:
  FieldId field_;
  CompareOp op_;
  std::string literal_;
};

class IntCompare final : public Predicate {
 public:
  IntCompare(FieldId field, CompareOp op, int64_t literal)
      : field_(field), op_(op), literal_(literal) {}
  bool eval(const Event& event) const override {
    const int64_t* value = event.get_int(field_);
    return value && compare(*value, op_, literal_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           std::to_string(literal_);
  }

 private:
  FieldId field_;
  CompareOp op_;
  int64_t literal_;
};

class BoolCompare final : public Predicate {
 public:
  BoolCompare(FieldId field, CompareOp op, bool literal)
      : field_(field), op_(op), literal_(literal) {}
  bool eval(const Event& event) const override {
    const bool* value = event.get_bool(field_);
    return value && (op_ == CompareOp::kEq) == (*value == literal_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           (literal_ ? "true" : "false");
  }

 private:
  FieldId field_;
  CompareOp op_;
  bool literal_;
};

// Both fields must be present and of the same type (checked at compile time).
class FieldCompare final : public Predicate {
 public:
  FieldCompare(FieldId left, CompareOp op, FieldId right) : left_(left), op_(op), right_(right) {}
  bool eval(const Event& event) const override {
    const FieldValue& a = event.get(left_);
    const FieldValue& b = event.get(right_);
    if (a.index() != b.index() || std::holds_alternative<std::monostate>(a)) return false;
    if (auto* s = std::get_if<std::string>(&a)) return compare(*s, op_, std::get<std::string>(b));
    if (auto* i = std::get_if<int64_t>(&a)) return compare(*i, op_, std::get<int64_t>(b));
    return compare(std::get<bool>(a), op_, std::get<bool>(b));
  }
  std::string describe() const override {
    return std::string(name_of(left_)) + " " + std::string(compare_op_text(op_)) + " " +
           std::string(name_of(right_));
  }

 private:
  FieldId left_;
  CompareOp op_;
  FieldId right_;
};

class StringOpPredicate final : public Predicate {
 public:
  StringOpPredicate(FieldId field, StringOp op, std::string literal)
      : field_(field), op_(op), literal_(std::move(literal)) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    if (!value) return false;
    switch (op_) {
      case StringOp::kStartsWith:
        return value->starts_with(literal_);
      case StringOp::kEndsWith:
        return value->ends_with(literal_);
      case StringOp::kContains:
        return value->find(literal_) != std::string::npos;
    }
    return false;
  }
  std::string describe() const override {
    static constexpr std::string_view kNames[] = {"startswith", "endswith", "contains"};
    return std::string(name_of(field_)) + " " + std::string(kNames[static_cast<std::size_t>(op_)]) +
           " " + quote(literal_);
  }

 private:
  FieldId field_;
  StringOp op_;
  std::string literal_;
};

class StringIn final : public Predicate {
 public:
  StringIn(FieldId field, std::vector<std::string> values)
      : field_(field), values_(std::move(values)), set_(values_.begin(), values_.end()) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    if (!value) return false;
    if (values_.size() <= kLinearScanMax) {
      return std::find(values_.begin(), values_.end(), *value) != values_.end();
    }
    return set_.contains(*value);
  }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " in (";
    for (std::size_t i = 0; i < values_.size(); ++i) out += (i ? ", " : "") + quote(values_[i]);
    return out + ")";
  }
  FieldId field() const { return field_; }
  const std::vector<std::string>& values() const { return values_; }

 private:
  static constexpr std::size_t kLinearScanMax = 8;
  FieldId field_;
  std::vector<std::string> values_;  // sorted, unique
  std::unordered_set<std::string> set_;
};

class IntIn final : public Predicate {
 public:
  IntIn(FieldId field, std::vector<int64_t> values) : field_(field), values_(std::move(values)) {}
  bool eval(const Event& event) const override {
    const int64_t* value = event.get_int(field_);
    return value && std::binary_search(values_.begin(), values_.end(), *value);
  }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " in (";
    for (std::size_t i = 0; i < values_.size(); ++i) {
      out += (i ? ", " : "") + std::to_string(values_[i]);
    }
    return out + ")";
  }

 private:
  FieldId field_;
  std::vector<int64_t> values_;  // sorted, unique
};

class Glob final : public Predicate {
 public:
  Glob(FieldId field, std::string pattern) : field_(field), pattern_(std::move(pattern)) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    return value && glob_match(pattern_, *value);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " glob " + quote(pattern_);
  }

 private:
  FieldId field_;
  std::string pattern_;
};

class PathMatch final : public Predicate {
 public:
  PathMatch(FieldId field, std::vector<std::string> prefixes)
      : field_(field), prefixes_(std::move(prefixes)) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    if (!value) return false;
    return std::any_of(prefixes_.begin(), prefixes_.end(),
                       [&](const std::string& p) { return path_prefix_match(p, *value); });
  }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " pmatch (";
    for (std::size_t i = 0; i < prefixes_.size(); ++i) out += (i ? ", " : "") + quote(prefixes_[i]);
    return out + ")";
  }

 private:
  FieldId field_;
  std::vector<std::string> prefixes_;
};

class Regex final : public Predicate {
 public:
  Regex(FieldId field, std::unique_ptr<RE2> re) : field_(field), re_(std::move(re)) {}
  bool eval(const Event& event) const override {
    const std::string* value = event.get_string(field_);
    return value && RE2::FullMatch(*value, *re_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " regex " + quote(re_->pattern());
  }

 private:
  FieldId field_;
  std::unique_ptr<RE2> re_;
};

template <typename T>
std::vector<T> sorted_unique(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

std::string_view compare_op_text(CompareOp op) {
  static constexpr std::string_view kText[] = {"=", "!=", "<", "<=", ">", ">="};
  return kText[static_cast<std::size_t>(op)];
}

PredicatePtr make_constant(bool value) { return std::make_shared<Constant>(value); }

PredicatePtr make_and(std::vector<PredicatePtr> children) {
  // Flatten nested ands so the index sees every top-level conjunct; fold constants.
  std::vector<PredicatePtr> flat;
  for (auto& child : children) {
    if (auto constant = constant_value(*child)) {
      if (!*constant) return make_constant(false);
      continue;
    }
    if (auto* nested = and_children(*child)) {
      flat.insert(flat.end(), nested->begin(), nested->end());
    } else {
      flat.push_back(std::move(child));
    }
  }
  if (flat.empty()) return make_constant(true);
  if (flat.size() == 1) return flat.front();
  return std::make_shared<And>(std::move(flat));
}

PredicatePtr make_or(std::vector<PredicatePtr> children) {
  std::vector<PredicatePtr> kept;
  for (auto& child : children) {
    if (auto constant = constant_value(*child)) {
      if (*constant) return make_constant(true);
      continue;
    }
    kept.push_back(std::move(child));
  }
  if (kept.empty()) return make_constant(false);
  if (kept.size() == 1) return kept.front();
  return std::make_shared<Or>(std::move(kept));
}

PredicatePtr make_not(PredicatePtr child) {
  if (auto constant = constant_value(*child)) return make_constant(!*constant);
  return std::make_shared<Not>(std::move(child));
}
PredicatePtr make_exists(FieldId field) { return std::make_shared<Exists>(field); }

PredicatePtr make_string_compare(FieldId field, CompareOp op, std::string literal) {
  return std::make_shared<StringCompare>(field, op, std::move(literal));
}
PredicatePtr make_int_compare(FieldId field, CompareOp op, int64_t literal) {
  return std::make_shared<IntCompare>(field, op, literal);
}
PredicatePtr make_bool_compare(FieldId field, CompareOp op, bool literal) {
  return std::make_shared<BoolCompare>(field, op, literal);
}
PredicatePtr make_field_compare(FieldId left, CompareOp op, FieldId right) {
  return std::make_shared<FieldCompare>(left, op, right);
}
PredicatePtr make_string_op(FieldId field, StringOp op, std::string literal) {
  return std::make_shared<StringOpPredicate>(field, op, std::move(literal));
}
PredicatePtr make_string_in(FieldId field, std::vector<std::string> values) {
  if (values.empty()) return make_constant(false);
  return std::make_shared<StringIn>(field, sorted_unique(std::move(values)));
}
PredicatePtr make_int_in(FieldId field, std::vector<int64_t> values) {
  if (values.empty()) return make_constant(false);
  return std::make_shared<IntIn>(field, sorted_unique(std::move(values)));
}
PredicatePtr make_glob(FieldId field, std::string pattern) {
  return std::make_shared<Glob>(field, std::move(pattern));
}
PredicatePtr make_path_match(FieldId field, std::vector<std::string> prefixes) {
  if (prefixes.empty()) return make_constant(false);
  return std::make_shared<PathMatch>(field, std::move(prefixes));
}

PredicatePtr make_regex(FieldId field, const std::string& pattern, std::string& error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    error = "bad regex: " + re->error();
    return nullptr;
  }
  return std::make_shared<Regex>(field, std::move(re));
}

std::optional<EqualityKey> equality_key(const Predicate& predicate) {
  if (auto* eq = dynamic_cast<const StringCompare*>(&predicate)) {
    if (eq->op() == CompareOp::kEq) return EqualityKey{eq->field(), {eq->literal()}};
  }
  if (auto* in = dynamic_cast<const StringIn*>(&predicate)) {
    return EqualityKey{in->field(), in->values()};
  }
  return std::nullopt;
}

const std::vector<PredicatePtr>* and_children(const Predicate& predicate) {
  auto* node = dynamic_cast<const And*>(&predicate);
  return node ? &node->children() : nullptr;
}

std::optional<bool> constant_value(const Predicate& predicate) {
  auto* node = dynamic_cast<const Constant*>(&predicate);
  return node ? std::optional<bool>(node->value()) : std::nullopt;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // NFA simulation over pattern positions: O(|pattern| * |text|), no backtracking blow-up.
  enum class Kind { kLiteral, kAnyChar, kStar, kDoubleStar };
  struct Element {
    Kind kind;
    char c;
  };
  std::vector<Element> elements;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*') {
      const bool dbl = i + 1 < pattern.size() && pattern[i + 1] == '*';
      elements.push_back({dbl ? Kind::kDoubleStar : Kind::kStar, 0});
      while (i + 1 < pattern.size() && pattern[i + 1] == '*') ++i;
    } else if (pattern[i] == '?') {
      elements.push_back({Kind::kAnyChar, 0});
    } else {
      elements.push_back({Kind::kLiteral, pattern[i]});
    }
  }
  const std::size_t n = elements.size();
  std::vector<char> active(n + 1, 0), next(n + 1, 0);
  auto close = [&](std::vector<char>& states) {
    for (std::size_t i = 0; i < n; ++i) {
      if (states[i] && (elements[i].kind == Kind::kStar || elements[i].kind == Kind::kDoubleStar)) {
        states[i + 1] = 1;
      }
    }
  };
  active[0] = 1;
  close(active);
  for (char c : text) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!active[i]) continue;
      const Element& e = elements[i];
      switch (e.kind) {
        case Kind::kLiteral:
          if (c == e.c) next[i + 1] = any = 1;
          break;
        case Kind::kAnyChar:
          if (c != '/') next[i + 1] = any = 1;
          break;
        case Kind::kStar:
          if (c != '/') next[i] = any = 1;
          break;
        case Kind::kDoubleStar:
          next[i] = any = 1;
          break;
      }
    }
    if (!any) return false;
    close(next);
    active.swap(next);
  }
  return active[n] != 0;
}

bool path_prefix_match(std::string_view prefix, std::string_view text) {
  if (prefix.empty() || !text.starts_with(prefix)) return false;
  return text.size() == prefix.size() || prefix.back() == '/' || text[prefix.size()] == '/';
}

}  // namespace panguard::rules
