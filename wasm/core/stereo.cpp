#include "core/stereo.h"

#include <algorithm>

namespace ito {

Stereo slice(const Stereo& x, std::size_t begin, std::size_t count) {
  begin = std::min(begin, x.frames());
  const std::size_t end = std::min(x.frames(), begin + count);
  Stereo out;
  out.l.assign(x.l.begin() + begin, x.l.begin() + end);
  out.r.assign(x.r.begin() + begin, x.r.begin() + end);
  return out;
}

}  // namespace ito
