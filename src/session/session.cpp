#include <algorithm>

#include "vkmix/session.hpp"

namespace vkmix {

double sessionNominalEndSeconds(const Session& session) {
  double end = session.lengthSeconds.value_or(0.0);
  for (const Track& t : session.tracks) {
    for (const Clip& c : t.clips) {
      end = std::max(end, c.startSeconds + c.lengthSeconds.value_or(0.0));
    }
  }
  return end;
}

}  // namespace vkmix
