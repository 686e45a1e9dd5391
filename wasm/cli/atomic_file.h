// Writing whole files so that a reader never sees half of one: the bytes go to
// "<path>.tmp-<pid>", are flushed, and the temporary file is renamed onto path.
#pragma once
#include <string>

namespace ito {

// Throws AudioError if path exists and !overwrite, or if writing fails.
void write_file_atomic(const std::string& path, const std::string& bytes, bool overwrite = true);

// The whole file as bytes. Throws AudioError if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace ito
