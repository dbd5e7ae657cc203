#include "rules/pack_document.h"

#include <algorithm>

namespace panguard::rules {

SourcePos LocatedText::position_of(std::size_t offset) const {
  if (anchors.empty()) return {};
  // The last anchor at or before `offset`; offsets before the first anchor use the first one.
  auto after =
      std::upper_bound(anchors.begin(), anchors.end(), offset,
                       [](std::size_t value, const auto& anchor) { return value < anchor.first; });
  if (after == anchors.begin()) return anchors.front().second;
  const auto& [anchor_offset, anchor_pos] = *std::prev(after);
  SourcePos pos = anchor_pos;
  if (pos.col > 0) pos.col += static_cast<int>(offset - anchor_offset);
  return pos;
}

void LocatedText::append(const LocatedText& other) {
  text += ' ';
  const std::size_t base = text.size();
  text += other.text;
  for (const auto& [offset, pos] : other.anchors) anchors.emplace_back(base + offset, pos);
}

LocatedText LocatedText::at(std::string text, SourcePos pos) {
  LocatedText located;
  located.text = std::move(text);
  located.anchors.emplace_back(0, std::move(pos));
  return located;
}

std::string_view store_failure_mode_name(StoreFailureMode mode) {
  switch (mode) {
    case StoreFailureMode::kClosed:
      return "closed";
    case StoreFailureMode::kOpen:
      return "open";
    case StoreFailureMode::kLocal:
      return "local";
    case StoreFailureMode::kDefault:
      break;
  }
  return "default";
}

}  // namespace panguard::rules
