// The itomaster executable end to end: error paths and a short mastering run.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/loudness.h"
#include "analysis/true_peak.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/eval_table.h"
#include "cli/master_args.h"
#include "cli/master_run.h"
#include "cli/master_summary.h"
#include "cli/train_args.h"
#include "core/json_reader.h"
#include "cli_run.h"
#include "test_signals.h"

namespace fs = std::filesystem;

namespace ito {
namespace {

using testing::CliRun;
CliRun run(const std::string& args, const std::string& env = "") { return testing::run_cli(args, env); }

// A written audio file's header (format, channels, rate, frames); none when it does not open.
std::optional<SF_INFO> header_of(const std::string& file) {
  SF_INFO info{};
  SNDFILE* f = sf_open(file.c_str(), SFM_READ, &info);
  if (!f) return std::nullopt;
  sf_close(f);
  return info;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("itomaster_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const Stereo& x) {
    write_wav_float(path(name), x, testing::kFs);
    return path(name);
  }
  fs::path dir_;
};

TEST_F(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run("").code, 2);
  const CliRun r = run("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown command"), std::string::npos);
  const CliRun m = run("master --input a.wav");
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.out.find("missing --reference"), std::string::npos);
  EXPECT_EQ(run("master --input a --reference b --output c --steps lots").code, 2);
}

TEST_F(Cli, UnreadableCorruptAndMultichannelInputsFailClearly) {
  const std::string ref = write("ref.wav", testing::music_like(44100 * 2, 0.5, 1));
  const CliRun missing = run("analyze " + path("nope.wav"));
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("nope.wav"), std::string::npos);

  std::ofstream(path("corrupt.wav")) << "RIFF\x10\x00\x00\x00WAVEjunkjunkjunk";
  const CliRun corrupt = run("master --input " + path("corrupt.wav") + " --reference " + ref + " --output " + path("o.wav"));
  EXPECT_EQ(corrupt.code, 1);
  EXPECT_NE(corrupt.out.find("corrupt.wav"), std::string::npos);
  EXPECT_FALSE(fs::exists(path("o.wav")));

  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 6;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path("six.wav").c_str(), SFM_WRITE, &info);
  std::vector<float> frames(6 * 44100, 0.1f);
  sf_writef_float(f, frames.data(), 44100);
  sf_close(f);
  const CliRun six = run("analyze " + path("six.wav"));
  EXPECT_EQ(six.code, 1);
  EXPECT_NE(six.out.find("6 channels"), std::string::npos) << six.out;

  const std::string silent = write("silent.wav", Stereo(44100 * 2));
  const CliRun s = run("analyze " + silent);
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.out.find("silent"), std::string::npos) << s.out;
}

TEST_F(Cli, NeverOverwritesInputsOrExistingOutputsWithoutForce) {
  const std::string in = write("in.wav", testing::music_like(44100 * 3, 0.3, 2));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 3, 0.9, 3));
  const auto in_size = fs::file_size(in);
  const CliRun onto_input = run("master --input " + in + " --reference " + ref + " --output " + in + " --force --steps 1");
  EXPECT_EQ(onto_input.code, 1);
  EXPECT_NE(onto_input.out.find("one of the inputs"), std::string::npos) << onto_input.out;
  EXPECT_EQ(fs::file_size(in), in_size);

  std::ofstream(path("taken.wav")) << "keep me";
  const CliRun taken = run("master --input " + in + " --reference " + ref + " --output " + path("taken.wav") + " --steps 1");
  EXPECT_EQ(taken.code, 1);
  EXPECT_NE(taken.out.find("already exists"), std::string::npos);
  std::ifstream kept(path("taken.wav"));
  std::string content((std::istreambuf_iterator<char>(kept)), {});
  EXPECT_EQ(content, "keep me");
}

TEST_F(Cli, MastersToTheReferenceLoudnessUnderTheCeiling) {
  const std::string in = write("in.wav", testing::music_like(44100 * 6, 0.2, 4));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 6, 1.0, 5));
  const CliRun r = run("master --input " + in + " --reference " + ref + " --output " + path("out.wav") +
                    " --steps 8 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"af_loss\""), std::string::npos);
  EXPECT_NE(r.out.find("Mid Band Comp Threshold"), std::string::npos);
  const std::optional<SF_INFO> info = header_of(path("out.wav"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->format, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
  EXPECT_EQ(info->frames, 44100 * 6);
  const LoadedAudio out = load_audio(path("out.wav"));
  const LoadedAudio reference = load_audio(ref);
  EXPECT_NEAR(integrated_loudness(out.audio, 44100), integrated_loudness(reference.audio, 44100), 0.5);
  EXPECT_LE(true_peak_dbtp(out.audio, 44100), -1.0 + 0.05);
  for (std::string leftover : {"out.wav.tmp"}) EXPECT_FALSE(fs::exists(path(leftover)));
}

TEST_F(Cli, AmountsTakePartOfTheReference) {
  const std::string in = write("in.wav", testing::music_like(44100 * 6, 0.2, 4));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 6, 1.0, 5));
  const double in_lufs = integrated_loudness(load_audio(in).audio, 44100);
  const double ref_lufs = integrated_loudness(load_audio(ref).audio, 44100);
  const CliRun half = run("master --input " + in + " --reference " + ref + " --output " + path("half.wav") +
                          " --steps 2 --amount-loudness 50 --amount-tone 0");
  ASSERT_EQ(half.code, 0) << half.out;
  EXPECT_NEAR(integrated_loudness(load_audio(path("half.wav")).audio, 44100), 0.5 * (in_lufs + ref_lufs), 0.1);
  const CliRun bad = run("master --input " + in + " --reference " + ref + " --output " + path("bad.wav") +
                         " --amount-width 200");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("--amount-width must be in 0..150"), std::string::npos) << bad.out;
}

// --params-out's settings read back with --params-in render the same master without ITO.
TEST_F(Cli, ParamsInRendersTheSettingsParamsOutWrote) {
  const std::string in = write("in.wav", testing::music_like(44100 * 4, 0.2, 6));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 4, 1.0, 7));
  const std::string common = "master --input " + in + " --reference " + ref;
  const CliRun ito = run(common + " --output " + path("ito.wav") + " --steps 3 --params-out " + path("p.json"));
  ASSERT_EQ(ito.code, 0) << ito.out;
  const CliRun fixed = run(common + " --output " + path("fixed.wav") + " --params-in " + path("p.json"));
  ASSERT_EQ(fixed.code, 0) << fixed.out;
  EXPECT_NE(fixed.out.find("in 0 steps"), std::string::npos) << fixed.out;
  const LoadedAudio a = load_audio(path("ito.wav")), b = load_audio(path("fixed.wav"));
  EXPECT_EQ(a.audio.l, b.audio.l);
  EXPECT_EQ(a.audio.r, b.audio.r);

  std::ofstream(path("bad.json")) << "{\"params\": [1, 2, 3]}";
  const CliRun bad = run(common + " --output " + path("bad.wav") + " --params-in " + path("bad.json"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("bad.json"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("46 parameters, not 3"), std::string::npos) << bad.out;
  EXPECT_FALSE(fs::exists(path("bad.wav")));
  const CliRun with_model = run(common + " --output " + path("m.wav") + " --params-in " + path("p.json") +
                                " --model white-box");
  EXPECT_EQ(with_model.code, 2) << with_model.out;
}

// --bit-depth and --format: the same settings (--params-in) rendered to 32-bit float WAV,
// 16-bit FLAC (dithered as the page's WAV export dithers) and 24-bit FLAC.
TEST_F(Cli, BitDepthsAndFlacHoldTheSameMaster) {
  const std::string in = write("in.wav", testing::music_like(44100 * 3, 0.2, 8));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 3, 1.0, 9));
  const std::string common = "master --input " + in + " --reference " + ref;
  ASSERT_EQ(run(common + " --output " + path("f.wav") + " --steps 1 --bit-depth 32f --params-out " + path("p.json")).code, 0);
  const std::string fixed = common + " --params-in " + path("p.json");
  ASSERT_EQ(run(fixed + " --output " + path("m16.flac") + " --bit-depth 16").code, 0);
  ASSERT_EQ(run(fixed + " --output " + path("m24.x") + " --format flac").code, 0);
  auto read = [&](const std::string& name, int expected_format) {
    SF_INFO info{};
    SNDFILE* f = sf_open(path(name).c_str(), SFM_READ, &info);
    EXPECT_NE(f, nullptr) << name;
    EXPECT_EQ(info.format, expected_format) << name;
    EXPECT_EQ(info.channels, 2);
    EXPECT_EQ(info.samplerate, 44100);
    std::vector<int> v(static_cast<std::size_t>(info.frames) * 2);
    std::vector<float> fl(v.size());
    if (expected_format == (SF_FORMAT_WAV | SF_FORMAT_FLOAT)) sf_readf_float(f, fl.data(), info.frames);
    else sf_readf_int(f, v.data(), info.frames);
    sf_close(f);
    return std::pair{v, fl};
  };
  const std::vector<float> master = read("f.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT).second;
  const std::vector<int> flac16 = read("m16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16).first;
  const std::vector<int> flac24 = read("m24.x", SF_FORMAT_FLAC | SF_FORMAT_PCM_24).first;
  ASSERT_EQ(master.size(), 44100u * 3 * 2);
  ASSERT_EQ(flac16.size(), master.size());
  for (int c = 0; c < 2; ++c) {
    std::vector<float> x(master.size() / 2);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = master[2 * i + c];
    std::vector<std::int32_t> c16(x.size()), c24(x.size());
    channel_quantizer(SampleFormat::Pcm16, c).quantize(x.data(), x.size(), c16.data());
    Quantizer(SampleFormat::Pcm24).quantize(x.data(), x.size(), c24.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(flac16[2 * i + c] >> 16, c16[i]) << i;
      ASSERT_EQ(flac24[2 * i + c] >> 8, c24[i]) << i;
    }
  }
  const CliRun bad = run(fixed + " --output " + path("bad.flac") + " --bit-depth 32f");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("FLAC holds 16 or 24 bits"), std::string::npos) << bad.out;
  EXPECT_EQ(run(fixed + " --output " + path("bad.wav") + " --bit-depth 20").code, 2);
  EXPECT_FALSE(fs::exists(path("bad.flac")));
}

// --no-limiter: the same settings without the final limiter, at the same loudness, in float.
TEST_F(Cli, NoLimiterWritesTheUnlimitedMasterInFloat) {
  const std::string in = write("in.wav", testing::music_like(44100 * 4, 0.2, 10));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 4, 1.0, 11));
  const std::string common = "master --input " + in + " --reference " + ref;
  ASSERT_EQ(run(common + " --output " + path("lim.wav") + " --steps 1 --params-out " + path("p.json")).code, 0);
  const CliRun r = run(common + " --params-in " + path("p.json") + " --output " + path("unl.wav") + " --no-limiter");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::optional<SF_INFO> info = header_of(path("unl.wav"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  const Stereo limited = load_audio(path("lim.wav")).audio, unlimited = load_audio(path("unl.wav")).audio;
  const double ref_lufs = integrated_loudness(load_audio(ref).audio, 44100);
  EXPECT_NEAR(integrated_loudness(limited, 44100), ref_lufs, 0.1);
  EXPECT_NEAR(integrated_loudness(unlimited, 44100), ref_lufs, 0.1);
  const double tp_limited = true_peak_dbtp(limited, 44100), tp_unlimited = true_peak_dbtp(unlimited, 44100);
  std::printf("true peak: limited %.2f dBTP, unlimited %.2f dBTP\n", tp_limited, tp_unlimited);
  EXPECT_LE(tp_limited, -1.0 + 0.01);
  EXPECT_GT(tp_unlimited, tp_limited + 1.0);  // a loud target: the limiter had work to do
  const CliRun bad = run(common + " --params-in " + path("p.json") + " --output " + path("bad.wav") +
                         " --no-limiter --bit-depth 24");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("32-bit float"), std::string::npos) << bad.out;
}

TEST_F(Cli, ReportWritesOneHtmlFileOfTheMaster) {
  const std::string in = write("in.wav", testing::music_like(44100 * 5, 0.2, 12));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 5, 1.0, 13));
  const CliRun r = run("master --input " + in + " --reference " + ref + " --output " + path("m.wav") + " --steps 2 --report " +
                       path("report.html"));
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream f(path("report.html"));
  const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* part : {"in.wav mastered toward ref.wav", "ITO on the settings (Θ)", "Long-term spectra",
                           "Short-term loudness", "The chain's settings", "ITO's loss per step"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_FALSE(fs::exists(path("report.html.tmp")));
}

// A mono file gives a mono master file (--stereo: two channels), its imager off.
TEST_F(Cli, MonoInputGivesAMonoMaster) {
  const Stereo x = testing::music_like(44100 * 4, 0.2, 14);
  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path("mono.wav").c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  sf_writef_float(f, x.l.data(), static_cast<sf_count_t>(x.frames()));
  sf_close(f);
  const std::string ref = write("ref.wav", testing::music_like(44100 * 4, 1.0, 15));
  const std::string common = "master --input " + path("mono.wav") + " --reference " + ref + " --steps 2 --json";
  const CliRun mono = run(common + " --output " + path("m1.wav"));
  ASSERT_EQ(mono.code, 0) << mono.out;
  EXPECT_NE(mono.out.find("\"output_channels\": 1"), std::string::npos) << mono.out;
  EXPECT_NE(mono.out.find("\"imager_on\": false"), std::string::npos) << mono.out;
  const CliRun stereo = run(common + " --output " + path("m2.wav") + " --stereo");
  ASSERT_EQ(stereo.code, 0) << stereo.out;
  for (auto [name, channels] : {std::pair{"m1.wav", 1}, {"m2.wav", 2}}) {
    const std::optional<SF_INFO> out = header_of(path(name));
    ASSERT_TRUE(out) << name;
    EXPECT_EQ(out->channels, channels) << name;
    EXPECT_EQ(out->frames, 44100 * 4);
  }
  const Stereo two = load_audio(path("m2.wav")).audio;
  EXPECT_EQ(two.l, two.r);
}

// An album: three mixes at different levels toward one reference, one target loudness; with
// --same-settings the first track's settings serve all.
TEST_F(Cli, AlbumMastersEveryMixToOneLoudness) {
  const std::string ref = write("ref.wav", testing::music_like(44100 * 4, 1.0, 16));
  std::string mixes;
  for (int k = 0; k < 3; ++k) {
    mixes += ' ';
    mixes += write("song" + std::to_string(k) + ".wav", testing::music_like(44100 * 3, 0.1 + 0.2 * k, 17 + k));
  }
  const double ref_lufs = integrated_loudness(load_audio(ref).audio, 44100);
  for (const char* mode : {"", " --same-settings"}) {
    SCOPED_TRACE(mode);
    const std::string dir = path(*mode ? "same" : "each");
    const CliRun r = run("album --reference " + ref + " --output-dir " + dir + " --steps 2 --bit-depth 16" +
                         std::string(mode) + " --json" + mixes);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("| track | master | LUFS | true peak dBTP | LRA LU |"), std::string::npos) << r.out;
    for (int k = 0; k < 3; ++k) {
      const std::string out = dir + "/song" + std::to_string(k) + ".wav";
      const std::optional<SF_INFO> info = header_of(out);
      ASSERT_TRUE(info) << out;
      EXPECT_EQ(info->format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
      EXPECT_NEAR(integrated_loudness(load_audio(out).audio, 44100), ref_lufs, 0.1) << out;
    }
    EXPECT_EQ(fs::exists(dir + "/album-settings.json"), *mode != 0);
  }
  // Outputs are checked before anything runs; two mixes may not share a name.
  const CliRun again = run("album --reference " + ref + " --output-dir " + path("each") + mixes);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  const CliRun twice = run("album --reference " + ref + " --output-dir " + path("x") + " " + path("song0.wav") + " " +
                           path("song0.wav"));
  EXPECT_EQ(twice.code, 2);
  EXPECT_FALSE(fs::exists(path("x")));
  const CliRun model = run("album --reference " + ref + " --output-dir " + path("y") + " --same-settings --model white-box" +
                           mixes);
  EXPECT_EQ(model.code, 2);
}

// A master keeps its mix's own rate and exact length (48 and 96 kHz; the odd frame counts
// catch any rounding through the 44.1 kHz analysis copy), or takes --output-rate; the
// reference may be at any rate. Loudness and true peak are those of the master's own rate.
TEST_F(Cli, MastersKeepTheMixRateAndLength) {
  struct Case { double in_rate; const char* extra; double out_rate; };
  const std::string ref = path("ref88.wav");
  write_wav_float(ref, testing::music_like(88200 * 4 + 7, 0.8, 5, 88200), 88200);
  // The target is the reference's loudness at the master's rate (this synthetic reference has
  // noise up to 44 kHz, which a 44.1 kHz copy lacks: 0.15 LU less).
  auto ref_lufs_at = [&](double rate) { return integrated_loudness(load_audio(ref, {.target_rate = rate}).audio, rate); };
  for (const Case c : {Case{48000, "", 48000}, Case{96000, "", 96000}, Case{44100, " --output-rate 48000", 48000},
                       Case{96000, " --model white-box --ito-steps 1 --theta-steps 1", 96000},
                       Case{48000, " --model black-box --ito-steps 1", 48000}}) {
    SCOPED_TRACE(std::to_string(c.in_rate) + c.extra);
    const std::size_t frames = static_cast<std::size_t>(c.in_rate * 4) + 13;
    const std::string in = path("in.wav"), out = path("out.wav");
    write_wav_float(in, testing::music_like(frames, 0.3, 6, c.in_rate), c.in_rate);
    const CliRun r = run("master --input " + in + " --reference " + ref + " --output " + out + " --steps 2 --force" + c.extra);
    ASSERT_EQ(r.code, 0) << r.out;
    const std::optional<SF_INFO> info = header_of(out);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->samplerate, c.out_rate);
    const std::size_t expected = c.out_rate == c.in_rate ? frames : static_cast<std::size_t>(std::llround(frames * c.out_rate / c.in_rate));
    EXPECT_EQ(static_cast<std::size_t>(info->frames), expected);
    const Stereo master = load_audio(out, {.target_rate = c.out_rate}).audio;
    EXPECT_NEAR(integrated_loudness(master, c.out_rate), ref_lufs_at(c.out_rate), 0.1);
    EXPECT_LE(true_peak_dbtp(master, c.out_rate), -1.0 + 0.02);
  }
  EXPECT_EQ(run("master --input a.wav --reference b.wav --output c.wav --output-rate 22050").code, 2);
  // A rate below 44.1 kHz is mastered at 44.1 kHz (the chain and the meters want the top octave).
  const std::string low = path("in32.wav");
  write_wav_float(low, testing::music_like(32000 * 3, 0.3, 7, 32000), 32000);
  ASSERT_EQ(run("master --input " + low + " --reference " + ref + " --output " + path("o32.wav") + " --steps 1").code, 0);
  EXPECT_EQ(header_of(path("o32.wav"))->samplerate, 44100);
}

// The command line alone, before any audio (cli/master_args.h).
TEST_F(Cli, MasterArgumentsParseWithoutTheAudio) {
  auto parse = [&](std::vector<std::string> argv) {
    argv.insert(argv.end(), {"--input", path("in.wav"), "--reference", path("ref.wav"), "--output", path("out.flac")});
    return parse_master_args(Args(argv, kMasterOptions, kMasterFlags));
  };
  const MasterRequest plain = parse({});
  EXPECT_EQ(plain.mode, "theta");
  EXPECT_FALSE(plain.use_model);
  EXPECT_EQ(plain.out_format.container, Container::Flac);  // from the name
  EXPECT_EQ(plain.options.ito.max_steps, 100);
  EXPECT_TRUE(plain.options.limit);
  EXPECT_TRUE(plain.options.amounts.all_full());
  const MasterRequest r = parse({"--amount-tone", "50", "--steps", "7", "--no-limiter", "--format", "wav", "--model",
                                 "white-box", "--ito-steps", "3", "--ceiling", "-2"});
  EXPECT_DOUBLE_EQ(r.options.amounts.tone, 0.5);
  EXPECT_DOUBLE_EQ(r.model_options.amounts.tone, 0.5);
  EXPECT_EQ(r.options.ito.max_steps, 7);
  EXPECT_EQ(r.model_options.ito.max_steps, 3);
  EXPECT_FALSE(r.options.limit);
  EXPECT_FALSE(r.model_options.limit);
  EXPECT_EQ(r.out_format.sample, SampleFormat::Float32);  // no limiter: float
  EXPECT_DOUBLE_EQ(r.model_options.ceiling_dbtp, -2.0);
  EXPECT_TRUE(r.use_model);
  EXPECT_THROW(parse({"--amount-width", "151"}), UsageError);
  EXPECT_THROW(parse({"--no-limiter", "--bit-depth", "24"}), UsageError);
  EXPECT_THROW(parse({"--params-in", path("p.json"), "--model", "white-box"}), UsageError);
  EXPECT_THROW(parse({"--model", "nope"}), UsageError);
}

// The run and the summaries alone (cli/master_run.h, cli/master_summary.h): what the run
// measured is what the JSON and the settings file say, and the settings file reads back.
TEST_F(Cli, MasterRunAndSummariesWorkAlone) {
  const std::string in = write("in.wav", testing::music_like(44100 * 4, 0.2, 3));
  const std::string ref = write("ref.wav", testing::music_like(44100 * 4, 0.6, 4));
  const MasterRequest req = parse_master_args(Args({"--input", in, "--reference", ref, "--output", path("out.wav"),
                                                    "--steps", "3", "--json", "--params-out", path("p.json")},
                                                   kMasterOptions, kMasterFlags));
  int calls = 0, last_budget = 0;
  const MasterOutcome out = run_master_request(req, [&](int, int budget, double loss) {
    ++calls, last_budget = budget;
    EXPECT_TRUE(std::isfinite(loss));
  }, std::chrono::steady_clock::now());
  EXPECT_TRUE(fs::exists(path("out.wav")));
  EXPECT_GT(calls, 0);
  EXPECT_EQ(last_budget, 3);
  EXPECT_EQ(out.steps, 3);
  EXPECT_TRUE(out.has_params);
  ASSERT_TRUE(out.input_metrics && out.reference_metrics && out.output_metrics);
  EXPECT_FALSE(out.report);  // not asked for
  EXPECT_NEAR(out.output_metrics->lufs, out.reference_metrics->lufs, 0.1);
  EXPECT_GE(out.timings.total, out.timings.decode + out.timings.ito);

  const json::Value summary = json::parse(master_summary_json(req, out));
  EXPECT_EQ(summary.find("steps")->number, 3);
  EXPECT_DOUBLE_EQ(summary.find("af_loss")->find("output")->number, out.af_after);
  EXPECT_DOUBLE_EQ(summary.find("output")->find("lufs")->number, out.output_metrics->lufs);
  EXPECT_EQ(summary.find("params")->items.size(), static_cast<std::size_t>(kNumParams));
  // --params-out's file is what --params-in takes.
  const ImportedSettings back = parse_settings_json(master_params_json(req, out));
  EXPECT_EQ(back.chain_input, "level_matched");
  for (int i = 0; i < kNumParams; ++i) EXPECT_NEAR(back.params[i], out.params[i], 1e-6) << i;
  EXPECT_NE(master_summary_text(req, out).find("AF loss"), std::string::npos);

  // Without metrics the JSON cannot be written, and says so.
  MasterOutcome bare = out;
  bare.output_metrics.reset();
  EXPECT_THROW(master_summary_json(req, bare), std::logic_error);
}

// eval's options, pairs file and table, without models or audio (cli/eval_table.h).
TEST_F(Cli, EvalPartsWorkAlone) {
  auto parse = [](std::vector<std::string> argv) {
    return parse_eval_args(
        Args(argv, {"steps", "modes", "limit", "external", "excerpt", "excerpt-count", "match-eq", "rate"}, {}));
  };
  const EvalRequest r = parse({"pairs.tsv", "--modes", "input,ito-theta", "--steps", "7"});
  EXPECT_EQ(r.modes, (std::vector<std::string>{"input", "ito-theta"}));
  EXPECT_EQ(r.theta_steps, 7);
  EXPECT_FALSE(r.needs_black_box());
  EXPECT_TRUE(parse({"p", "--modes", "black-box+ito"}).needs_black_box());
  EXPECT_THROW(parse({"p", "--modes", "input,loud"}), UsageError);
  EXPECT_THROW(parse({"p", "--modes", "external"}), UsageError);  // needs --external
  EXPECT_THROW(parse({"p", "--excerpt-count", "0"}), UsageError);
  EXPECT_THROW(parse({"p", "--rate", "22050"}), UsageError);
  EXPECT_DOUBLE_EQ(parse({"p", "--rate", "96000"}).rate, 96000.0);
  EXPECT_THROW(parse({}), UsageError);

  std::ofstream(path("pairs.tsv")) << "input\treference\na.wav\tb.wav\nc.wav\td.wav\textra\nlonely\n";
  const auto pairs = read_eval_pairs(path("pairs.tsv"), 0);
  ASSERT_EQ(pairs.size(), 2u);  // the header and the one-column line are skipped
  EXPECT_EQ(pairs[1], std::make_pair(std::string("c.wav"), std::string("d.wav")));
  EXPECT_EQ(read_eval_pairs(path("pairs.tsv"), 1).size(), 1u);
  EXPECT_THROW(read_eval_pairs(path("none.tsv"), 0), UsageError);

  // Means skip NaN (a mode without stage effort); AF also has its median; true peak its max.
  std::map<std::string, std::vector<EvalRow>> rows;
  for (double af : {0.01, 0.02, 0.06}) {
    EvalRow row;
    row.af = af, row.true_peak = -1.0 - af, row.seconds = 2;
    rows["input"].push_back(row);
  }
  EXPECT_DOUBLE_EQ(finite_mean({1, NAN, 3}), 2.0);
  EXPECT_DOUBLE_EQ(finite_median({5, 1, NAN, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(finite_median({NAN})));
  const std::string md = eval_table_markdown(r, rows, 3);
  EXPECT_NE(md.find("| input | 0.0300 (0.0200) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| -1.01 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| ito-theta | nan (nan)"), std::string::npos) << md;  // no rows: said, not invented
  EXPECT_NE(md.find("3 pairs; ITO on Θ 7 steps"), std::string::npos) << md;
}

// train's options and checkpoint state, without data (cli/train_args.h).
TEST_F(Cli, TrainPartsWorkAlone) {
  auto parse = [](std::vector<std::string> argv) {
    return parse_train_args(Args(argv, {"model", "out", "steps", "batch", "data", "config", "max-minutes"}, {"resume"}));
  };
  const TrainRequest r = parse({"--out", "o", "--model", "black-box", "--data", "a.tsv,b.tsv", "--config", "tiny",
                                "--max-minutes", "2"});
  EXPECT_EQ(r.kind, models::ConverterKind::BlackBox);
  EXPECT_DOUBLE_EQ(r.cfg.segment_seconds, 3.0);  // black-box's default
  EXPECT_EQ(r.data, (std::vector<std::string>{"a.tsv", "b.tsv"}));
  EXPECT_TRUE(r.tiny);
  EXPECT_DOUBLE_EQ(r.max_seconds, 120.0);
  EXPECT_EQ(r.model_path(), "o/model.itom");
  EXPECT_THROW(parse({"--out", "o", "--batch", "0"}), UsageError);
  EXPECT_THROW(parse({"--out", "o", "--config", "huge"}), UsageError);
  EXPECT_THROW(parse({"--steps", "3"}), UsageError);  // no --out

  train::Adam a, b;
  a.steps = 7, a.m = {1, 2}, a.v = {3, 4};
  b.steps = 9, b.m = {5}, b.v = {6};
  const std::string bytes = adam_state_bytes(a, b);
  train::Adam a2, b2;
  parse_adam_state(bytes, a2, b2);
  EXPECT_EQ(a2.steps, 7);
  EXPECT_EQ(a2.v, a.v);
  EXPECT_EQ(b2.m, b.m);
  EXPECT_THROW(parse_adam_state(bytes.substr(0, bytes.size() - 1), a2, b2), std::runtime_error);
  EXPECT_THROW(parse_adam_state("ITOADAM2" + bytes.substr(8), a2, b2), std::runtime_error);
  std::string huge = bytes;  // a damaged length fails as "truncated", not by allocating it
  huge[8 + sizeof(long)] = '\xff', huge[8 + sizeof(long) + 7] = '\x7f';
  EXPECT_THROW(parse_adam_state(huge, a2, b2), std::runtime_error);
  EXPECT_EQ(format_eta(65), "1m05s");
  EXPECT_EQ(format_eta(3725), "1h02m");
  EXPECT_EQ(format_eta(NAN), "?");
}

TEST_F(Cli, AnalyzePrintsTheMetrics) {
  const std::string in = write("tone.wav", testing::sine(44100 * 3, 997.0, std::pow(10.0, -18.0 / 20.0)));
  const CliRun r = run("analyze " + in + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  // A -18 dBFS 997 Hz sine in both channels reads -18 LUFS (K-weighting is ~0 dB there
  // and two channels add 3 dB to a sine's -3 dB mean power).
  const auto pos = r.out.find("\"lufs\":");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_NEAR(std::stod(r.out.substr(pos + 7)), -18.0, 0.1);
}

}  // namespace
}  // namespace ito
