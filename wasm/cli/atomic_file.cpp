#include "cli/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/audio_io.h"

namespace ito {
namespace {

// The temporary files being written, for the signal handler: fixed storage, as a handler
// may not allocate. A writer reserves a slot, fills in the path, then shows it to the
// handler (g_live); freeing goes the other way.
constexpr int kSlots = 8;
constexpr std::size_t kMaxPath = 4096;
char g_paths[kSlots][kMaxPath];
std::atomic<bool> g_reserved[kSlots], g_live[kSlots];

int claim_slot(const std::string& path) {
  if (path.size() >= kMaxPath) return -1;
  for (int s = 0; s < kSlots; ++s) {
    bool expected = false;
    if (!g_reserved[s].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_paths[s], path.c_str(), path.size() + 1);
    g_live[s].store(true);
    return s;
  }
  return -1;  // more writes at once than slots: that one is only cleaned up on errors
}

void release_slot(int slot) {
  if (slot < 0) return;
  g_live[slot].store(false);
  g_reserved[slot].store(false);
}

extern "C" void remove_temp_files_and_die(int sig) {
  for (int s = 0; s < kSlots; ++s)
    if (g_live[s].load()) ::unlink(g_paths[s]);  // async-signal-safe
  std::signal(sig, SIG_DFL);
  std::raise(sig);  // the exit status still says which signal it was
}

std::string quoted_path(const std::string& p) { return "'" + p + "'"; }

}  // namespace

void install_temp_file_cleanup() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, remove_temp_files_and_die);
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG, reported like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
}

TempFile::TempFile(const std::string& path)
    : path_(path), temp_path_(path + ".tmp-" + std::to_string(::getpid())) {
  slot_ = claim_slot(temp_path_);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int err = errno;
    release_slot(slot_);
    throw AudioError("Cannot write " + quoted_path(path) + ": " + std::strerror(err) + ".");
  }
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
  release_slot(slot_);
}

void TempFile::commit() {
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw AudioError("Cannot write " + quoted_path(path_) + ": " + std::strerror(errno) + ".");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw AudioError("Cannot write " + quoted_path(path_) + ": " + std::strerror(errno) + ".");
  committed_ = true;
  release_slot(slot_);
  slot_ = -1;
  // Make the rename itself durable (best effort).
  const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, const std::string& bytes, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path))
    throw AudioError("'" + path + "' already exists (use --force to replace it)");
  TempFile tmp(path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(tmp.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw AudioError("Cannot write " + quoted_path(path) + ": " + std::strerror(errno) + ".");
    done += static_cast<std::size_t>(n);
  }
  tmp.commit();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AudioError("cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace ito
