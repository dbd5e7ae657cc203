// Alert ids: random UUIDv4 strings from the OpenSSL CSPRNG, so ids cannot be predicted or forged
// into another alert's slot downstream.
#pragma once

#include <string>

namespace panguard::alerts {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" in lower-case hex. Aborts if the CSPRNG fails: an
// alert without a unique id would break dedup and retries, and that failure cannot be repaired.
std::string new_alert_id();

}  // namespace panguard::alerts
