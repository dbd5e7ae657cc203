// Builds a YamlNode tree from yaml-cpp's event stream. Events (rather than YAML::Load) give us
// anchors, aliases, tags and extra documents to refuse, and the mark of every node.
#include "rules/pack_loader_yaml.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace panguard::rules::loader {
namespace {

using Kind = YamlNode::Kind;

SourcePos position_of_mark(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return SourcePos{file, 0, 0};
  return SourcePos{file, mark.line + 1, mark.column + 1};
}

YamlNode make_node(Kind kind, SourcePos pos) {
  YamlNode node;
  node.kind = kind;
  node.pos = std::move(pos);
  return node;
}

class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(const SourceText& source, const std::string& file,
              std::vector<Diagnostic>& diagnostics)
      : source_(source), file_(file), diagnostics_(diagnostics) {}

  std::optional<YamlNode> take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(start_node(Kind::kNull, mark, "?", anchor));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    error(mark, "aliases (*name) are not allowed in rule files");
    add(make_node(Kind::kInvalid, position_of_mark(file_, mark)));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode node = start_node(Kind::kScalar, mark, tag, anchor);
    if (node.kind == Kind::kScalar) {
      node.plain = tag == "?";  // "!" marks a quoted or block scalar
      node.scalar = locate(mark, value);
    }
    add(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open_.push_back(Frame{start_node(Kind::kSequence, mark, tag, anchor), false});
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open_.push_back(Frame{start_node(Kind::kMap, mark, tag, anchor), true});
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YamlNode node;
    bool is_map = false;  // kept apart from node.kind, which may have become kInvalid
  };

  YamlNode start_node(Kind kind, const YAML::Mark& mark, const std::string& tag,
                      YAML::anchor_t anchor) {
    YamlNode node = make_node(kind, position_of_mark(file_, mark));
    if (anchor != YAML::NullAnchor) {
      error(mark, "anchors (&name) are not allowed in rule files");
      node.kind = Kind::kInvalid;
    } else if (tag != "?" && tag != "!") {
      error(mark, "YAML tags are not allowed in rule files (found '" + tag + "')");
      node.kind = Kind::kInvalid;
    }
    return node;
  }

  LocatedText locate(const YAML::Mark& mark, const std::string& value) const {
    auto start = source_.offset_of(mark.line, mark.column);
    if (!start) return LocatedText::at(value, position_of_mark(file_, mark));
    return locate_scalar(source_, *start, value);
  }

  void add(YamlNode node) {
    if (open_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = open_.back();
    if (parent.is_map && parent.node.keys.size() == parent.node.values.size()) {
      parent.node.keys.push_back(std::move(node));
      return;
    }
    // An empty value's mark is the next token, often on a later line; its key is clearer.
    if (parent.is_map && node.kind == Kind::kNull) node.pos = parent.node.keys.back().pos;
    parent.node.values.push_back(std::move(node));
  }

  void close() {
    YamlNode node = std::move(open_.back().node);
    open_.pop_back();
    add(std::move(node));
  }

  void error(const YAML::Mark& mark, std::string message) {
    diagnostics_.push_back(Diagnostic{.severity = Diagnostic::Severity::kError,
                                      .pos = position_of_mark(file_, mark),
                                      .message = std::move(message)});
  }

  const SourceText& source_;
  const std::string& file_;
  std::vector<Diagnostic>& diagnostics_;
  std::vector<Frame> open_;
  std::optional<YamlNode> root_;
};

// Only notices that a further document exists.
class DocumentStartRecorder final : public YAML::EventHandler {
 public:
  YAML::Mark mark = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& start) override { mark = start; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::optional<YamlNode> read_yaml(const RuleFile& file, std::vector<Diagnostic>& diagnostics) {
  const SourceText source(file.path, file.content);
  std::istringstream input(file.content);
  try {
    YAML::Parser parser(input);
    TreeBuilder builder(source, file.path, diagnostics);
    if (!parser.HandleNextDocument(builder)) return std::nullopt;
    DocumentStartRecorder next;
    if (parser.HandleNextDocument(next)) {
      diagnostics.push_back(Diagnostic{
          .severity = Diagnostic::Severity::kError,
          .pos = position_of_mark(file.path, next.mark),
          .message = "a rule file must hold exactly one YAML document; another starts here"});
    }
    return builder.take_root();
  } catch (const YAML::Exception& e) {
    diagnostics.push_back(Diagnostic{.severity = Diagnostic::Severity::kError,
                                     .pos = position_of_mark(file.path, e.mark),
                                     .message = "YAML syntax error: " + e.msg});
    return std::nullopt;
  }
}

}  // namespace panguard::rules::loader
