#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace ito {
namespace {

constexpr int kBarWidth = 20;
constexpr auto kMinRedraw = std::chrono::milliseconds(100);  // avoid flooding the terminal

std::string format_eta(double seconds) {
  if (!(seconds >= 0.0) || !std::isfinite(seconds)) return "ETA --";
  const long s = std::lround(seconds);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "ETA %lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "ETA %ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "ETA %ldh%02ldm", s / 3600, (s / 60) % 60);
  }
  return buf;
}

}  // namespace

std::string format_progress_line(const std::string& label, int done, int total, const std::string& info,
                                 double eta_seconds) {
  const int clamped = std::clamp(done, 0, std::max(total, 0));
  const int filled = total > 0 ? static_cast<int>(static_cast<long long>(clamped) * kBarWidth / total) : 0;
  std::string line = label + "  [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]  " +
                     std::to_string(done) + "/" + std::to_string(total);
  if (!info.empty()) line += "  " + info;
  line += "  " + format_eta(eta_seconds);
  return line;
}

ProgressBar::ProgressBar(std::string label, int total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      enabled_(out != nullptr && ::isatty(::fileno(out)) == 1),
      start_(Clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int done, const std::string& info) {
  done_ = done;
  info_ = info;
  if (!enabled_ || finished_) return;
  const auto now = Clock::now();
  if (drawn_ && done < total_ && now - last_draw_ < kMinRedraw) return;
  last_draw_ = now;
  draw();
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::draw() {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double eta = done_ > 0 ? elapsed / done_ * std::max(total_ - done_, 0) : -1.0;
  // \r returns to the line start; ESC[K clears what a longer previous line left behind.
  std::fprintf(out_, "\r%s\x1b[K", format_progress_line(label_, done_, total_, info_, eta).c_str());
  std::fflush(out_);
  drawn_ = true;
}

}  // namespace ito
