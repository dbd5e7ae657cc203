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

// A predicate over one field: false whenever that field is absent.
class SingleFieldPredicate : public Predicate {
 public:
  explicit SingleFieldPredicate(FieldId field) : field_(field) {}
  FieldMask required_fields() const override { return FieldMask().set(index_of(field_)); }

 protected:
  FieldId field_;
};

class Constant final : public Predicate {
 public:
  explicit Constant(bool value) : value_(value) {}
  bool eval(const Event&, EvalScratch&) const override { return value_; }
  std::string describe() const override { return value_ ? "true" : "false"; }
  bool value() const { return value_; }

 private:
  bool value_;
};

class And final : public Predicate {
 public:
  explicit And(std::vector<PredicatePtr> children) : children_(std::move(children)) {}
  bool eval(const Event& event, EvalScratch& scratch) const override {
    for (const auto& child : children_) {
      if (!child->eval(event, scratch)) return false;
    }
    return true;
  }
  int cost() const override {
    int total = 0;
    for (const auto& child : children_) total += child->cost();
    return total;
  }
  std::string describe() const override { return join(" and "); }
  FieldMask required_fields() const override {
    FieldMask mask;
    for (const auto& child : children_) mask |= child->required_fields();
    return mask;
  }
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
  bool eval(const Event& event, EvalScratch& scratch) const override {
    for (const auto& child : children_) {
      if (child->eval(event, scratch)) return true;
    }
    return false;
  }
  FieldMask required_fields() const override {
    FieldMask mask = children_.front()->required_fields();
    for (const auto& child : children_) mask &= child->required_fields();
    return mask;
  }
  int cost() const override {
    int total = 0;
    for (const auto& child : children_) total += child->cost();
    return total;
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
  bool eval(const Event& event, EvalScratch& scratch) const override {
    return !child_->eval(event, scratch);
  }
  int cost() const override { return child_->cost(); }
  std::string describe() const override { return "not " + child_->describe(); }

 private:
  PredicatePtr child_;
};

class Exists final : public SingleFieldPredicate {
 public:
  explicit Exists(FieldId field) : SingleFieldPredicate(field) {}
  bool eval(const Event& event, EvalScratch&) const override { return event.has(field_); }
  std::string describe() const override { return std::string(name_of(field_)) + " exists"; }

 private:
};

class StringCompare final : public SingleFieldPredicate {
 public:
  StringCompare(FieldId field, CompareOp op, std::string literal)
      : SingleFieldPredicate(field), op_(op), literal_(std::move(literal)) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const std::string* value = event.get_string(field_);
    return value && (op_ == CompareOp::kEq) == (*value == literal_);
  }
  int cost() const override { return 2; }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           quote(literal_);
  }
  FieldId field() const { return field_; }
  CompareOp op() const { return op_; }
  const std::string& literal() const { return literal_; }

 private:
  CompareOp op_;
  std::string literal_;
};

class IntCompare final : public SingleFieldPredicate {
 public:
  IntCompare(FieldId field, CompareOp op, int64_t literal)
      : SingleFieldPredicate(field), op_(op), literal_(literal) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const int64_t* value = event.get_int(field_);
    return value && compare(*value, op_, literal_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           std::to_string(literal_);
  }

 private:
  CompareOp op_;
  int64_t literal_;
};

class BoolCompare final : public SingleFieldPredicate {
 public:
  BoolCompare(FieldId field, CompareOp op, bool literal)
      : SingleFieldPredicate(field), op_(op), literal_(literal) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const bool* value = event.get_bool(field_);
    return value && (op_ == CompareOp::kEq) == (*value == literal_);
  }
  std::string describe() const override {
    return std::string(name_of(field_)) + " " + std::string(compare_op_text(op_)) + " " +
           (literal_ ? "true" : "false");
  }

 private:
  CompareOp op_;
  bool literal_;
};

// Both fields must be present and of the same type (checked at compile time).
template <typename T>
class FieldCompare final : public Predicate {
 public:
  FieldCompare(FieldId left, CompareOp op, FieldId right) : left_(left), op_(op), right_(right) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const T* a = std::get_if<T>(&event.get(left_));
    const T* b = std::get_if<T>(&event.get(right_));
    return a && b && compare(*a, op_, *b);
  }
  FieldMask required_fields() const override {
    return FieldMask().set(index_of(left_)).set(index_of(right_));
  }
  int cost() const override { return 2; }
  std::string describe() const override {
    return std::string(name_of(left_)) + " " + std::string(compare_op_text(op_)) + " " +
           std::string(name_of(right_));
  }

 private:
  FieldId left_;
  CompareOp op_;
  FieldId right_;
};

class StringOpPredicate final : public SingleFieldPredicate {
 public:
  StringOpPredicate(FieldId field, StringOp op, std::string literal)
      : SingleFieldPredicate(field), op_(op), literal_(std::move(literal)) {}
  bool eval(const Event& event, EvalScratch&) const override {
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
  int cost() const override { return 3; }
  std::string describe() const override {
    static constexpr std::string_view kNames[] = {"startswith", "endswith", "contains"};
    return std::string(name_of(field_)) + " " + std::string(kNames[static_cast<std::size_t>(op_)]) +
           " " + quote(literal_);
  }

 private:
  StringOp op_;
  std::string literal_;
};

class StringIn final : public SingleFieldPredicate {
 public:
  StringIn(FieldId field, std::vector<std::string> values)
      : SingleFieldPredicate(field),
        values_(std::move(values)),
        set_(values_.begin(), values_.end()) {
    for (const std::string& v : values_) lengths_.add(v.size());
  }
  bool eval(const Event& event, EvalScratch&) const override {
    const std::string* value = event.get_string(field_);
    if (!value || !lengths_.may_contain(value->size())) return false;
    if (values_.size() <= kLinearScanMax) {
      const std::string_view needle = *value;
      return std::any_of(values_.begin(), values_.end(),
                         [needle](const std::string& v) { return std::string_view(v) == needle; });
    }
    return set_.contains(*value);
  }
  int cost() const override { return 3; }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " in (";
    for (std::size_t i = 0; i < values_.size(); ++i) out += (i ? ", " : "") + quote(values_[i]);
    return out + ")";
  }
  FieldId field() const { return field_; }
  const std::vector<std::string>& values() const { return values_; }

 private:
  static constexpr std::size_t kLinearScanMax = 8;
  std::vector<std::string> values_;  // sorted, unique
  std::unordered_set<std::string> set_;
  LengthSet lengths_;
};

class IntIn final : public SingleFieldPredicate {
 public:
  IntIn(FieldId field, std::vector<int64_t> values)
      : SingleFieldPredicate(field), values_(std::move(values)) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const int64_t* value = event.get_int(field_);
    return value && std::binary_search(values_.begin(), values_.end(), *value);
  }
  int cost() const override { return 2; }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " in (";
    for (std::size_t i = 0; i < values_.size(); ++i) {
      out += (i ? ", " : "") + std::to_string(values_[i]);
    }
    return out + ")";
  }

 private:
  std::vector<int64_t> values_;  // sorted, unique
};

class Glob final : public SingleFieldPredicate {
 public:
  Glob(FieldId field, GlobPattern pattern)
      : SingleFieldPredicate(field), pattern_(std::move(pattern)) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const std::string* value = event.get_string(field_);
    return value && pattern_.match(*value);
  }
  int cost() const override { return 5; }
  std::string describe() const override {
    return std::string(name_of(field_)) + " glob " + quote(pattern_.text());
  }

 private:
  GlobPattern pattern_;
};

class PathMatch final : public SingleFieldPredicate {
 public:
  PathMatch(FieldId field, std::vector<std::string> prefixes)
      : SingleFieldPredicate(field), prefixes_(std::move(prefixes)) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const std::string* value = event.get_string(field_);
    if (!value) return false;
    return std::any_of(prefixes_.begin(), prefixes_.end(),
                       [&](const std::string& p) { return path_prefix_match(p, *value); });
  }
  int cost() const override { return 4; }
  std::string describe() const override {
    std::string out = std::string(name_of(field_)) + " pmatch (";
    for (std::size_t i = 0; i < prefixes_.size(); ++i) out += (i ? ", " : "") + quote(prefixes_[i]);
    return out + ")";
  }

 private:
  std::vector<std::string> prefixes_;
};

class Regex final : public SingleFieldPredicate {
 public:
  Regex(FieldId field, std::unique_ptr<RE2> re) : SingleFieldPredicate(field), re_(std::move(re)) {}
  bool eval(const Event& event, EvalScratch&) const override {
    const std::string* value = event.get_string(field_);
    return value && RE2::FullMatch(*value, *re_);
  }
  int cost() const override { return 20; }
  std::string describe() const override {
    return std::string(name_of(field_)) + " regex " + quote(re_->pattern());
  }

 private:
  std::unique_ptr<RE2> re_;
};

// Caches a shared macro's value for the rest of one evaluation, so a macro that several rules
// of a source use (e.g. verified_tenant) runs once per event. The cache is the caller's
// EvalScratch, cleared for every event: nothing survives between evaluations.
class Memo final : public Predicate {
 public:
  Memo(unsigned slot, PredicatePtr child) : bit_(uint64_t{1} << slot), child_(std::move(child)) {}
  bool eval(const Event& event, EvalScratch& scratch) const override {
    if (scratch.known & bit_) return (scratch.value & bit_) != 0;
    const bool value = child_->eval(event, scratch);
    scratch.known |= bit_;
    if (value) scratch.value |= bit_;
    return value;
  }
  int cost() const override { return child_->cost(); }
  std::string describe() const override { return child_->describe(); }
  FieldMask required_fields() const override { return child_->required_fields(); }
  const Predicate& child() const { return *child_; }

 private:
  uint64_t bit_;
  PredicatePtr child_;
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
  // Cheap tests first: a conjunction stops at its first false part, and parts are pure, so
  // their order changes nothing but the time spent.
  std::stable_sort(flat.begin(), flat.end(), [](const PredicatePtr& a, const PredicatePtr& b) {
    return a->cost() < b->cost();
  });
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

PredicatePtr make_memo(unsigned slot, PredicatePtr child) {
  if (slot >= kMaxMemoSlots || constant_value(*child)) return child;
  return std::make_shared<Memo>(slot, std::move(child));
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
  switch (field_info(left).type) {
    case FieldType::kString:
      return std::make_shared<FieldCompare<std::string>>(left, op, right);
    case FieldType::kInt:
      return std::make_shared<FieldCompare<int64_t>>(left, op, right);
    case FieldType::kBool:
      return std::make_shared<FieldCompare<bool>>(left, op, right);
  }
  return nullptr;
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
PredicatePtr make_glob(FieldId field, std::string_view pattern, std::string& error) {
  auto glob = GlobPattern::compile(pattern);
  if (!glob) {
    error = "glob pattern longer than " + std::to_string(GlobPattern::kMaxElements) + " elements";
    return nullptr;
  }
  return std::make_shared<Glob>(field, std::move(*glob));
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
  if (auto* memo = dynamic_cast<const Memo*>(&predicate)) return equality_key(memo->child());
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

std::optional<GlobPattern> GlobPattern::compile(std::string_view pattern) {
  GlobPattern glob;
  glob.text_ = std::string(pattern);
  unsigned state = 0;  // element i moves the matcher from state i to state i + 1
  for (std::size_t i = 0; i < pattern.size(); ++i, ++state) {
    if (state >= kMaxElements) return std::nullopt;
    const uint64_t bit = uint64_t{1} << state;
    if (pattern[i] == '*') {
      const bool across_segments = i + 1 < pattern.size() && pattern[i + 1] == '*';
      while (i + 1 < pattern.size() && pattern[i + 1] == '*') ++i;
      glob.star_ |= bit;
      for (unsigned c = 0; c < 256; ++c) {
        if (across_segments || c != '/') glob.accepts_[c] |= bit;
      }
    } else if (pattern[i] == '?') {
      for (unsigned c = 0; c < 256; ++c) {
        if (c != '/') glob.accepts_[c] |= bit;
      }
    } else {
      glob.accepts_[static_cast<unsigned char>(pattern[i])] |= bit;
    }
  }
  glob.final_ = uint64_t{1} << state;
  return glob;
}

bool GlobPattern::match(std::string_view text) const {
  // Bit-parallel NFA (one bit per state): O(|text|), no backtracking, no allocation. Runs of '*'
  // collapse to one element, so a star is never followed by a star and one closure step suffices.
  uint64_t active = 1;
  active |= (active & star_) << 1;
  for (char ch : text) {
    const uint64_t accepted = active & accepts_[static_cast<unsigned char>(ch)];
    active = ((accepted & ~star_) << 1) | (accepted & star_);
    active |= (active & star_) << 1;
    if (!active) return false;
  }
  return (active & final_) != 0;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  auto glob = GlobPattern::compile(pattern);
  return glob && glob->match(text);
}

bool path_prefix_match(std::string_view prefix, std::string_view text) {
  if (prefix.empty() || !text.starts_with(prefix)) return false;
  return text.size() == prefix.size() || prefix.back() == '/' || text[prefix.size()] == '/';
}

}  // namespace panguard::rules
