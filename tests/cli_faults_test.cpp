// Nothing lost on faults: a signal during a master or during the write, a full disk, a
// file-size limit and a read-only folder leave no partial output and no temporary file,
// with a clear error. The full disk and the read-only folder are small tmpfs mounts in a
// user namespace (unshare -rm); where the machine forbids that, those tests are skipped.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli_run.h"
#include "test_signals.h"

namespace fs = std::filesystem;

namespace ito {
namespace {

using testing::CliRun;

class CliFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("itomaster_faults_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, double seconds, double peak, std::uint32_t seed) {
    write_wav_float(path(name), testing::music_like(static_cast<std::size_t>(seconds * testing::kFs), peak, seed),
                    testing::kFs);
    return path(name);
  }
  // Names in the folder besides the inputs.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name != "in.wav" && name != "ref.wav") names.push_back(name);
    }
    return names;
  }
  fs::path dir_;
};

std::string exe() {
  const char* env = std::getenv("ITOMASTER");
  return env ? env : ITOMASTER_PATH;
}

// Starts itomaster with args (stdout and stderr to /dev/null); returns its pid.
pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    const std::string program = exe();
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(TempFile, ASignalRemovesTheTemporaryFileAndStillKillsTheProcess) {
  const fs::path target = fs::temp_directory_path() / ("itomaster_tempfile_" + std::to_string(::getpid()) + ".wav");
  const std::string temp = target.string() + ".tmp-";
  const pid_t pid = ::fork();
  if (pid == 0) {
    install_temp_file_cleanup();
    TempFile file(target.string());
    if (::write(file.fd(), "half a file", 11) != 11) ::_exit(3);
    if (!fs::exists(file.temp_path())) ::_exit(4);
    ::raise(SIGTERM);  // mid-write
    ::_exit(5);        // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit code " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE(fs::exists(temp + std::to_string(pid)));
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(CliFaults, CtrlCDuringTheMasterLeavesNothing) {
  const std::string in = write("in.wav", 20, 0.3, 2);
  const std::string ref = write("ref.wav", 20, 0.9, 3);
  const pid_t pid = spawn({"master", "--input", in, "--reference", ref, "--output", path("out.wav")});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // decoding done, optimizing
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "it finished before the signal; exit code " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGINT);
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();
}

TEST_F(CliFaults, SigtermDuringTheWriteLeavesNoPartialFile) {
  // No ITO and a long track: the write is a visible moment; the signal goes the instant
  // the temporary file appears.
  const std::string in = write("in.wav", 240, 0.3, 2);
  const std::string ref = write("ref.wav", 5, 0.9, 3);
  const pid_t pid = spawn({"master", "--input", in, "--reference", ref, "--output", path("out.wav"), "--steps", "0"});
  bool seen = false;
  int status = 0;
  while (!seen && ::waitpid(pid, &status, WNOHANG) == 0) {
    for (const std::string& name : leftovers()) seen = seen || name.find(".tmp-") != std::string::npos;
    if (seen) ::kill(pid, SIGTERM);
  }
  if (seen) {
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  }
  if (!seen || !WIFSIGNALED(status)) GTEST_SKIP() << "the write finished before the signal could land";
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();
}

TEST_F(CliFaults, AFileSizeLimitGivesAClearErrorAndNoPartialFile) {
  const std::string in = write("in.wav", 6, 0.3, 2);
  const std::string ref = write("ref.wav", 6, 0.9, 3);
  // 200 kB, above the inputs already written: the master's 1.5 MB does not fit.
  const CliRun r = testing::run_cli("master --input " + in + " --reference " + ref + " --output " + path("out.wav") +
                                    " --steps 0", "ulimit -f 400;");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("Cannot write"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("File too large"), std::string::npos) << r.out;
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();
}

// A shell command's exit code and its stdout and stderr together.
CliRun shell(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Runs `body` in a new user and mount namespace with a small tmpfs mounted at mount_dir
// with `options`, then lists what is left there between "files:" and ":end".
// allowed is false where the machine forbids user namespaces.
struct MountedRun {
  bool allowed;
  CliRun run;
  std::string files() const {
    const std::size_t a = run.out.find("files:\n"), b = run.out.find(":end");
    return a == std::string::npos || b == std::string::npos ? "?" : run.out.substr(a + 7, b - a - 7);
  }
};
MountedRun run_on_tmpfs(const std::string& mount_dir, const std::string& options, const std::string& body) {
  fs::create_directories(mount_dir);
  if (shell("unshare -rm true").code != 0) return {false, {}};
  return {true, shell("unshare -rm sh -c 'mount -t tmpfs -o " + options + " tmpfs " + mount_dir + " && " + body +
                      "; echo exit=$?; echo files:; ls -A " + mount_dir + "; echo :end'")};
}

TEST_F(CliFaults, AFullDiskGivesAClearErrorAndNoPartialFile) {
  const std::string in = write("in.wav", 6, 0.3, 2);
  const std::string ref = write("ref.wav", 6, 0.9, 3);
  const std::string disk = path("disk");
  const MountedRun m = run_on_tmpfs(disk, "size=256k",
                                    exe() + " master --input " + in + " --reference " + ref + " --output " + disk +
                                        "/out.wav --steps 0");
  if (!m.allowed) GTEST_SKIP() << "user namespaces (unshare -rm) are not allowed here";
  EXPECT_NE(m.run.out.find("exit=1"), std::string::npos) << m.run.out;
  EXPECT_NE(m.run.out.find("No space left on device"), std::string::npos) << m.run.out;
  EXPECT_EQ(m.files(), "") << m.run.out;
}

TEST_F(CliFaults, AReadOnlyFolderGivesAClearError) {
  const std::string in = write("in.wav", 6, 0.3, 2);
  const std::string ref = write("ref.wav", 6, 0.9, 3);
  const std::string folder = path("readonly");
  const MountedRun m = run_on_tmpfs(folder, "ro,size=1m",
                                    exe() + " master --input " + in + " --reference " + ref + " --output " + folder +
                                        "/out.wav --steps 0");
  if (!m.allowed) GTEST_SKIP() << "user namespaces (unshare -rm) are not allowed here";
  EXPECT_NE(m.run.out.find("exit=1"), std::string::npos) << m.run.out;
  EXPECT_NE(m.run.out.find("Cannot write"), std::string::npos) << m.run.out;
  EXPECT_NE(m.run.out.find("Read-only file system"), std::string::npos) << m.run.out;
  EXPECT_EQ(m.files(), "") << m.run.out;
}

}  // namespace
}  // namespace ito
