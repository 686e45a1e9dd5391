// Runs the itomaster executable for the CLI tests: its exit code and its stdout and stderr
// together. ITOMASTER in the environment points the tests at another build.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ito::testing {

struct CliRun {
  int code;
  std::string out;
};

// env: "NAME=value ..." prepended to the command, e.g. "ITOMASTER_MODELS=/tmp/m".
inline CliRun run_cli(const std::string& args, const std::string& env = "") {
  const char* exe = std::getenv("ITOMASTER");
  const std::string cmd = env + " " + std::string(exe ? exe : ITOMASTER_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace ito::testing
