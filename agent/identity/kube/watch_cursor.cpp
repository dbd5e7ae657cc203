#include "agent/identity/kube/watch_cursor.h"

namespace panguard::agent::identity::kube {

constexpr int kHttpGone = 410;

void WatchCursor::listed(std::string resource_version) {
  listed_ = true;
  resource_version_ = std::move(resource_version);
  failures_ = 0;
}

EventStep WatchCursor::on_event(const WatchEvent& event) {
  if (event.type == WatchEventType::kError) {
    if (event.error_code == kHttpGone) {
      gone();
      return EventStep::kRelist;
    }
    failed();
    return EventStep::kFail;
  }
  // Events of a healthy stream: the connection works, the next failure starts a fresh backoff.
  resource_version_ = event.resource_version;
  failures_ = 0;
  return event.type == WatchEventType::kBookmark ? EventStep::kSkip : EventStep::kApply;
}

void WatchCursor::gone() {
  // 410 to a LIST is no version problem (a list asks for none): a failure, so no tight loop.
  if (!listed_) {
    ++failures_;
    return;
  }
  listed_ = false;
  resource_version_.clear();
  ++relists_;
}

void WatchCursor::watch_ended(bool carried_events) {
  if (!carried_events) ++failures_;
}

}  // namespace panguard::agent::identity::kube
