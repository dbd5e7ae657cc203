// Where alerts go. Implementations must be safe to call from any thread.
#pragma once

#include "alerts/alert.h"

namespace panguard::alerts {

class Sink {
 public:
  virtual ~Sink() = default;
  // Returns false when the alert could not be delivered; the caller counts it as a drop.
  virtual bool write(const Alert& alert) = 0;
};

}  // namespace panguard::alerts
