// The learned-model commands end to end on a tiny configuration: train (and resume),
// export-onnx, master --model and eval, on generated songs.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/loudness.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "models/model_file.h"
#include "cli_run.h"
#include "test_signals.h"

namespace fs = std::filesystem;

namespace ito {
namespace {

using testing::CliRun;
CliRun run(const std::string& args, const std::string& env = "") { return testing::run_cli(args, env); }

// The number after "key": in the CLI's JSON summary.
double json_number(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return NAN;
  return std::stod(json.substr(at + key.size() + 3));
}

class CliModels : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("itomaster_models_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // Three 12 s songs: two for training, one held out for validation.
    std::ofstream index(path("index.tsv"));
    index << "path\tpackage\tseconds\tsplit\n";
    const char* splits[] = {"train", "train", "val"};
    for (int i = 0; i < 3; ++i) {
      const std::string song = path("song" + std::to_string(i) + ".wav");
      write_wav_float(song, testing::music_like(12 * 44100, 0.5, 10 + i), testing::kFs);
      index << song << "\tgenerated\t12\t" << splits[i] << "\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string train_args(const std::string& kind, const std::string& out, int steps) const {
    return "train --model " + kind + " --config tiny --out " + path(out) + " --data " + path("index.tsv") +
           " --steps " + std::to_string(steps) + " --batch 2 --seconds 1 --window 6 --val-every 2 --save-every 2" +
           " --val-examples 2 --threads 2 --fxnorm " + ITO_SOURCE_DIR + "/models/fxnorm_stats.txt";
  }
  models::Model load(const std::string& file) const { return models::parse_model(read_file(path(file))); }

  fs::path dir_;
};

TEST_F(CliModels, TrainsResumesExportsMastersAndEvaluates) {
  // Training writes a model, its optimizer state and a log with a finite validation loss.
  const CliRun first = run(train_args("white-box", "wb", 3));
  ASSERT_EQ(first.code, 0) << first.out;
  ASSERT_TRUE(fs::exists(path("wb/model.itom")) && fs::exists(path("wb/adam.bin")));
  std::ifstream log(path("wb/log.csv"));
  std::string header, line, last;
  std::getline(log, header);
  EXPECT_EQ(header, "step,train_seconds,train_loss,val_loss");
  while (std::getline(log, line)) last = line;
  EXPECT_EQ(last.substr(0, 2), "3,");
  EXPECT_TRUE(std::isfinite(std::stod(last.substr(last.rfind(',') + 1))));

  // An existing run is not overwritten by accident; --resume continues it, and three steps
  // plus two resumed ones give exactly the weights of five steps in one go.
  EXPECT_EQ(run(train_args("white-box", "wb", 5)).code, 2);
  ASSERT_EQ(run(train_args("white-box", "wb", 5) + " --resume").code, 0);
  ASSERT_EQ(run(train_args("white-box", "wb_once", 5)).code, 0);
  const models::Model resumed = load("wb/model.itom"), once = load("wb_once/model.itom");
  EXPECT_EQ(resumed.info.at("steps"), "5");
  EXPECT_EQ(resumed.encoder->weights().params, once.encoder->weights().params);
  EXPECT_EQ(resumed.converter->weights().params, once.converter->weights().params);
  EXPECT_EQ(resumed.converter->weights().buffers, once.converter->weights().buffers);

  const CliRun bb = run(train_args("black-box", "bb", 2));
  ASSERT_EQ(bb.code, 0) << bb.out;

  // ONNX files for both networks.
  const CliRun onnx = run("export-onnx --model " + path("wb/model.itom") + " --out-dir " + path("onnx"));
  ASSERT_EQ(onnx.code, 0) << onnx.out;
  EXPECT_GT(fs::file_size(path("onnx/model_encoder.onnx")), 1000u);
  EXPECT_GT(fs::file_size(path("onnx/model_converter.onnx")), 1000u);

  // Mastering with the model (ITO on z alone): the output matches the reference's loudness.
  const std::string input = path("song0.wav"), reference = path("song2.wav");
  const std::string master_args = "master --input " + input + " --reference " + reference + " --model " +
                                  path("wb/model.itom") + " --ito-steps 3 --json --output ";
  const CliRun master = run(master_args + path("out.wav") + " --theta-steps 0");
  ASSERT_EQ(master.code, 0) << master.out;
  EXPECT_NE(master.out.find("\"params_before_ito\""), std::string::npos);
  const double ref_lufs = integrated_loudness(load_audio(reference).audio, testing::kFs);
  EXPECT_NEAR(integrated_loudness(load_audio(path("out.wav")).audio, testing::kFs), ref_lufs, 0.5);
  // Then on Θ: the same ITO on z continued by four steps on the parameters, never worse.
  const CliRun with_theta = run(master_args + path("out_with_theta.wav") + " --theta-steps 4");
  ASSERT_EQ(with_theta.code, 0) << with_theta.out;
  EXPECT_LE(json_number(with_theta.out, "ito_best"), json_number(master.out, "ito_best"));
  EXPECT_EQ(json_number(with_theta.out, "ito_initial"), json_number(master.out, "ito_initial"));
  EXPECT_EQ(json_number(with_theta.out, "steps"), json_number(master.out, "steps") + 4);
  const CliRun black_theta = run("master --input " + input + " --reference " + reference + " --output " +
                                  path("bad.wav") + " --model " + path("bb/model.itom") + " --theta-steps 2");
  EXPECT_EQ(black_theta.code, 2);
  EXPECT_NE(black_theta.out.find("black-box has none"), std::string::npos) << black_theta.out;

  // Evaluation over one pair with the tiny models standing in for the shipped ones.
  fs::create_directories(path("models"));
  fs::copy_file(path("wb/model.itom"), path("models/whitebox.itom"));
  fs::copy_file(path("bb/model.itom"), path("models/blackbox.itom"));
  fs::copy_file(std::string(ITO_SOURCE_DIR) + "/models/fxnorm_stats.txt", path("models/fxnorm_stats.txt"));
  std::ofstream(path("pairs.tsv")) << "input\treference\n" << input << "\t" << reference << "\n";
  const CliRun eval = run("eval " + path("pairs.tsv") + " --steps 2 --ito-steps 6 --theta-steps 2 --bb-ito-steps 1" +
                              " --modes input,fxnorm,ito-theta,white-box,white-box+ito,white-box+ito+theta," +
                              "black-box,black-box+ito --markdown " + path("table.md"),
                          "ITOMASTER_MODELS=" + path("models"));
  ASSERT_EQ(eval.code, 0) << eval.out;
  const std::string table = read_file(path("table.md"));
  for (const char* mode : {"| input |", "| fxnorm |", "| ito-theta |", "| white-box |", "| white-box+ito |",
                           "| white-box+ito+theta |", "| black-box |", "| black-box+ito |"})
    EXPECT_NE(table.find(mode), std::string::npos) << mode << "\n" << table;
}

TEST_F(CliModels, RejectsBadModelFiles) {
  std::ofstream(path("bad.itom")) << "ITOMODEL 1\nencoder channels=x\n";
  const CliRun r = run("master --input " + path("song0.wav") + " --reference " + path("song1.wav") + " --output " +
                       path("o.wav") + " --model " + path("bad.itom"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot load the model"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("o.wav")));
}

}  // namespace
}  // namespace ito
