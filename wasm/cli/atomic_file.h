// Writing whole files so that a reader never sees half of one: the bytes go to
// "<path>.tmp-<pid>", are flushed, and the temporary file is renamed onto path.
// A temporary file is removed when the write fails, and also when the process is
// interrupted (SIGINT, SIGTERM, SIGHUP) once install_temp_file_cleanup() has run.
#pragma once
#include <string>

namespace ito {

// Installs the signal handlers that delete the temporary files being written before the
// process dies of the signal, and makes a file-size limit an error instead of a kill.
void install_temp_file_cleanup();

// The temporary file beside path that a write goes to; deleted on destruction or on a
// signal unless commit() renamed it onto path. Throws AudioError when it cannot be created.
class TempFile {
 public:
  explicit TempFile(const std::string& path);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& temp_path() const { return temp_path_; }
  // fsyncs and closes the file, renames it onto the final path. Throws AudioError.
  void commit();

 private:
  std::string path_, temp_path_;
  int fd_ = -1;
  int slot_ = -1;  // its entry in the signal handler's list (-1: none)
  bool committed_ = false;
};

// Throws AudioError if path exists and !overwrite, or if writing fails.
void write_file_atomic(const std::string& path, const std::string& bytes, bool overwrite = true);

// The whole file as bytes. Throws AudioError if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace ito
