// A one-line progress bar on stderr, e.g.
//   ITO  [#########...........]  45/100  loss 0.0123  ETA 3s
// drawn only when the stream is a terminal, so logs and pipes stay clean.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace ito {

// The bar's text for `done` of `total` steps; eta_seconds < 0 means "not known yet".
std::string format_progress_line(const std::string& label, int done, int total, const std::string& info,
                                 double eta_seconds);

class ProgressBar {
 public:
  // Draws on `out` (stderr by default) only when it is a TTY; silent otherwise.
  ProgressBar(std::string label, int total, std::FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `info` is free text shown after the counter, e.g. "loss 0.0123".
  void update(int done, const std::string& info);
  // Draws the last state and ends the line. Called by the destructor if needed.
  void finish();
  bool enabled() const { return enabled_; }

 private:
  void draw();

  using Clock = std::chrono::steady_clock;
  std::string label_;
  int total_;
  std::FILE* out_;
  bool enabled_;
  bool finished_ = false;
  bool drawn_ = false;
  int done_ = 0;
  std::string info_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace ito
