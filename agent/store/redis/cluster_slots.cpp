#include "agent/store/redis/cluster_slots.h"

#include <algorithm>
#include <charconv>

namespace panguard::agent::redis {
namespace {

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

bool valid_slot(int64_t slot) { return slot >= 0 && slot < kSlotCount; }

}  // namespace

uint16_t crc16_xmodem(std::string_view data) {
  uint16_t crc = 0;
  for (const char c : data) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(c) << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

int key_slot(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16_xmodem(key) & (kSlotCount - 1);
}

std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply,
                                                          const std::string& asked_host) {
  if (reply.type != Reply::Type::kArray) return std::nullopt;
  std::vector<SlotRange> ranges;
  for (const Reply& entry : reply.elements) {
    if (entry.type != Reply::Type::kArray || entry.elements.size() < 3) return std::nullopt;
    const Reply& first = entry.elements[0];
    const Reply& last = entry.elements[1];
    const Reply& master = entry.elements[2];
    if (first.type != Reply::Type::kInteger || last.type != Reply::Type::kInteger ||
        !valid_slot(first.integer) || !valid_slot(last.integer) || first.integer > last.integer) {
      return std::nullopt;
    }
    if (master.type != Reply::Type::kArray || master.elements.size() < 2 ||
        master.elements[0].type != Reply::Type::kString ||
        master.elements[1].type != Reply::Type::kInteger || master.elements[1].integer <= 0 ||
        master.elements[1].integer > 65535) {
      return std::nullopt;
    }
    SlotRange range;
    range.first = static_cast<int>(first.integer);
    range.last = static_cast<int>(last.integer);
    range.master.host = master.elements[0].text.empty() || master.elements[0].text == "?"
                            ? asked_host
                            : master.elements[0].text;
    range.master.port = static_cast<uint16_t>(master.elements[1].integer);
    ranges.push_back(std::move(range));
  }
  return ranges;
}

std::optional<Redirect> parse_redirect(std::string_view error) {
  Redirect redirect;
  if (error.starts_with("MOVED ")) {
    redirect.kind = Redirect::Kind::kMoved;
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    redirect.kind = Redirect::Kind::kAsk;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const auto space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto slot = parse_int(error.substr(0, space));
  if (!slot || !valid_slot(*slot)) return std::nullopt;
  const std::string_view address = error.substr(space + 1);
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view host = address.substr(0, colon);
  if (host.find_first_of(" \r\n") != std::string_view::npos) return std::nullopt;
  const auto port = parse_int(address.substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) return std::nullopt;
  redirect.slot = *slot;
  redirect.target.host = std::string(host);
  redirect.target.port = static_cast<uint16_t>(*port);
  return redirect;
}

void SlotMap::assign(const std::vector<SlotRange>& ranges) {
  masters_.clear();
  owner_.fill(kNoOwner);
  initialized_ = true;
  for (const SlotRange& range : ranges) {
    const uint16_t index = index_of(range.master);
    std::fill(owner_.begin() + range.first, owner_.begin() + range.last + 1, index);
  }
}

void SlotMap::set(int slot, const NodeAddress& master) {
  if (!valid_slot(slot)) return;
  if (!initialized_) {
    owner_.fill(kNoOwner);
    initialized_ = true;
  }
  owner_[static_cast<std::size_t>(slot)] = index_of(master);
}

const NodeAddress* SlotMap::owner(int slot) const {
  if (!initialized_ || !valid_slot(slot)) return nullptr;
  const uint16_t index = owner_[static_cast<std::size_t>(slot)];
  return index == kNoOwner ? nullptr : &masters_[index];
}

std::vector<NodeAddress> SlotMap::masters() const {
  std::vector<bool> used(masters_.size(), false);
  if (initialized_) {
    for (const uint16_t index : owner_) {
      if (index != kNoOwner) used[index] = true;
    }
  }
  std::vector<NodeAddress> result;
  for (std::size_t i = 0; i < masters_.size(); ++i) {
    if (used[i]) result.push_back(masters_[i]);
  }
  return result;
}

uint16_t SlotMap::index_of(const NodeAddress& master) {
  const auto found = std::find(masters_.begin(), masters_.end(), master);
  if (found != masters_.end()) return static_cast<uint16_t>(found - masters_.begin());
  masters_.push_back(master);
  return static_cast<uint16_t>(masters_.size() - 1);
}

}  // namespace panguard::agent::redis
