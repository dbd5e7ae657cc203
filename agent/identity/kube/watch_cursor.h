// The list/watch protocol of one Kubernetes collection as a state machine, without I/O: what to
// request next (LIST, or WATCH from a resourceVersion), what each watch event means for the
// stream, and how many failures in a row the next backoff is for.
//
//   LIST ok            -> watch from the list's resourceVersion
//   ADDED/MODIFIED/DELETED, BOOKMARK -> resourceVersion advances to the object's
//   ERROR 410, HTTP 410 -> relist (the version is gone from the server's watch cache)
//   other ERROR, HTTP error, transport error, malformed stream -> backoff, resume from the
//                        last resourceVersion (a list failure lists again)
//   clean end of a watch that carried events -> watch again at once; an empty one -> backoff,
//                        so a server that closes at once cannot make the agent spin
#pragma once

#include <string>

#include "agent/identity/kube/kube_objects.h"

namespace panguard::agent::identity::kube {

enum class NextRequest { kList, kWatch };

// What the stream reader does with one watch event.
enum class EventStep {
  kApply,   // ADDED / MODIFIED / DELETED: apply the object, keep reading
  kSkip,    // BOOKMARK: nothing to apply, keep reading
  kRelist,  // ERROR 410: stop reading, relist
  kFail,    // any other ERROR: stop reading, back off, resume
};

class WatchCursor {
 public:
  NextRequest next() const { return listed_ ? NextRequest::kWatch : NextRequest::kList; }
  const std::string& resource_version() const { return resource_version_; }
  // Failures in a row; the next request waits for a backoff while this is non-zero.
  unsigned failures() const { return failures_; }
  // Relists after 410 since this cursor was made (tests and logs).
  unsigned relists() const { return relists_; }

  void listed(std::string resource_version);
  EventStep on_event(const WatchEvent& event);
  // HTTP 410 Gone to a request.
  void gone();
  // An error response, a transport failure or a malformed stream.
  void failed() { ++failures_; }
  // The server ended the watch cleanly (timeoutSeconds); `carried_events` counts bookmarks.
  void watch_ended(bool carried_events);

 private:
  bool listed_ = false;
  std::string resource_version_;
  unsigned failures_ = 0;
  unsigned relists_ = 0;
};

}  // namespace panguard::agent::identity::kube
