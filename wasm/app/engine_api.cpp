// The engine as the browser's Web Worker sees it (embind): analysis for display,
// reference-based mastering (ITO), re-rendering with edited parameters, the
// parameter table and 24-bit WAV encoding. Contract: web/README.md.
//
// All audio is planar stereo at 44.1 kHz, passed as two Float32Arrays. Errors never
// escape as C++ exceptions: each call returns {error: "message"} instead, which the
// worker turns into a rejected promise.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/display_spectrum.h"
#include "app/engine_shared.h"
#include "app/js_convert.h"
#include "core/parallel.h"
#include "analysis/loudness.h"
#include "dsp/params.h"
#include "master/mastering.h"
#include "master/model_rate.h"
#include "master/metrics.h"
#include "master/sample_format.h"
#include "master/model_mastering.h"
#include "models/model_file.h"

using emscripten::val;

namespace ito {
namespace {

using js::finite_or;
using js::float32_array;
using js::float64_array;
using js::params_array;
using js::to_params;
using js::to_stereo;
using app::kMinSeconds;
using app::read_sample_rate;
using app::require_playable;
using app::summary_object;
using models::ConverterKind;

constexpr int kWaveformBins = 1024;

val metrics_object(const TrackMetrics& m) {
  val out = val::object();
  out.set("lufs", finite_or(m.lufs, -100.0));
  out.set("lra", finite_or(m.lra, 0.0));
  out.set("truePeakDbtp", finite_or(m.true_peak_dbtp, -100.0));
  out.set("crestDb", finite_or(m.crest_db, 0.0));
  out.set("width", finite_or(m.width, 0.0));
  out.set("drv", finite_or(m.drv, 0.0));
  return out;
}

// Min and max of both channels over kWaveformBins equal slices of the track.
val waveform_object(const Stereo& x) {
  std::vector<float> lo(kWaveformBins, 0.0f), hi(kWaveformBins, 0.0f);
  const std::size_t n = x.frames();
  for (int b = 0; b < kWaveformBins && n > 0; ++b) {
    const std::size_t begin = n * b / kWaveformBins, end = std::max(begin + 1, n * (b + 1) / kWaveformBins);
    float mn = 1e9f, mx = -1e9f;
    for (std::size_t i = begin; i < end && i < n; ++i) {
      mn = std::min({mn, x.l[i], x.r[i]});
      mx = std::max({mx, x.l[i], x.r[i]});
    }
    lo[b] = mn;
    hi[b] = mx;
  }
  val out = val::object();
  out.set("min", float32_array(lo));
  out.set("max", float32_array(hi));
  return out;
}

val analysis_object(const Stereo& x, double fs) {
  std::vector<double> st = short_term_loudness(x, fs, 0.5);
  std::vector<float> st_f(st.size());
  for (std::size_t i = 0; i < st.size(); ++i) st_f[i] = static_cast<float>(finite_or(st[i], -100.0));
  val out = val::object();
  out.set("metrics", metrics_object(measure_track(x, fs)));
  out.set("waveform", waveform_object(x));
  out.set("spectrum", float32_array(display_spectrum_db(x, fs)));
  out.set("shortTermLufs", float32_array(st_f));
  out.set("seconds", x.frames() / fs);
  out.set("sampleRate", fs);
  return out;
}

// rate: the track's sample rate (44.1 to 192 kHz; undefined: 44.1 kHz).
val analyze_track(val left, val right, val rate) {
  return js::guarded([&]() -> val {
    const Stereo x = to_stereo(left, right);
    const double fs = rate.isNumber() ? app::checked_sample_rate(rate.as<double>()) : kModelRate;
    if (x.frames() < static_cast<std::size_t>(kMinSeconds * fs)) {
      throw std::invalid_argument("the track is shorter than 0.5 s");
    }
    return analysis_object(x, fs);
  });
}

// Runs the hot paths once on a few seconds of synthetic audio: the analysis, a short master
// (chain forward and backward, the AF loss, the Match EQ, the final stage). V8 first runs WASM
// in its baseline compiler and optimizes a function only after it has done some work, and a
// call already running stays in baseline code: the first analysis of a 10-minute track took
// 25 s instead of 6 (every sample of it in baseline code). After this, the functions the real
// work calls are optimized. Threaded builds warm every pool thread the same way.
void warm_up() {
  const double fs = kModelRate;
  const std::size_t n = static_cast<std::size_t>(4 * fs);
  Stereo mix(n), reference(n);
  std::uint32_t seed = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const double noise = static_cast<double>(seed >> 8) / 16777216.0 - 0.5, t = i / fs;
    const double beat = std::exp(-8.0 * std::fmod(t, 0.5));
    mix.l[i] = static_cast<float>(0.2 * std::sin(2 * 3.14159265 * 110 * t) * beat + 0.05 * noise);
    mix.r[i] = static_cast<float>(0.8 * mix.l[i] + 0.03 * noise);
    reference.l[i] = static_cast<float>(0.5 * std::sin(2 * 3.14159265 * 220 * t) + 0.2 * noise * beat);
    reference.r[i] = static_cast<float>(0.45 * std::sin(2 * 3.14159265 * 330 * t) + 0.2 * noise);
  }
  analysis_object(mix, fs);
  MasteringOptions opt;
  opt.ito.max_steps = 2;
  master_with_reference(mix, reference, fs, opt);
}

// onProgress(step, loss, bestLoss) as an ITO callback; it returns false to stop (a falsy
// non-boolean, e.g. undefined, keeps going). No callback when on_progress is not a function.
ItoCallback progress_callback(const val& on_progress) {
  if (on_progress.typeOf().as<std::string>() != "function") return {};
  return [&on_progress](const ItoProgress& p) { return !on_progress(p.step, p.loss, p.best_loss).isFalse(); };
}

// options: {steps, targetLufs|null, ceilingDbtp, sampleRate (of the mix and the reference: the
// master's rate)}; onProgress(step, loss, bestLoss)
// returns false to stop (a falsy non-boolean, e.g. undefined, keeps going).
val master(val in_l, val in_r, val ref_l, val ref_r, val options, val on_progress) {
  return js::guarded([&]() -> val {
    const Stereo input = to_stereo(in_l, in_r);
    const Stereo reference = to_stereo(ref_l, ref_r);
    const double fs = read_sample_rate(options);
    require_playable(input, "the input", fs);
    require_playable(reference, "the reference", fs);

    MasteringOptions opt;
    opt.match_eq_amount = std::clamp(js::number_or(options, "matchEqAmount", kDefaultMatchEqAmount), 0.0, 1.5);
    if (options.hasOwnProperty("steps") && options["steps"].isNumber()) {
      opt.ito.max_steps = std::clamp(options["steps"].as<int>(), 0, 2000);
    }
    const app::FinalStageOptions final_stage = app::read_final_stage_options(options);
    opt.target_lufs = final_stage.target_lufs;
    opt.ceiling_dbtp = final_stage.ceiling_dbtp;
    opt.style = app::read_chain_style(options);
    opt.amounts = app::read_match_amounts(options);
    if (const auto target = app::target_from(options, reference, fs)) {
      opt.target_features = target->features;
      opt.target_balance = target->balance;
    }
    // fixedParams (and inputGainDb): these settings instead of ITO, with this mix's own level
    // match and Match EQ unless a gain is given (an album's "first mix's settings for all", as
    // the CLI's --params-in).
    MasteringPlan plan = plan_master(input, reference, fs, opt);
    if (js::has_value(options, "fixedParams")) {
      std::optional<double> gain;
      if (js::has_value(options, "inputGainDb")) gain = std::clamp(js::number_or(options, "inputGainDb", 0.0), -40.0, 40.0);
      use_fixed_settings(plan, to_params(options["fixedParams"]), gain);
    } else {
      optimize_master(plan, fs, progress_callback(on_progress));
    }
    const MasteringResult r = finish_master(std::move(plan), Stereo(input), fs);
    return summary_object({r.output, r.params, r.ito.initial, r.input_gain_db, r.target_lufs, r.ito.loss_curve,
                           r.ito.initial_loss, r.ito.best_loss, r.ito.steps, r.ito.stop, r.finalize, r.match_eq,
                           r.switches[static_cast<int>(Processor::Distortion)],
                           r.switches[static_cast<int>(Processor::Imager)]});
  });
}

// bytes: a .itom file (white-box or black-box: each has its slot); stats_text: fxnorm_stats.txt.
// Returns {kind, parameters} or {error}.
val load_model(val bytes, std::string stats_text) {
  return js::guarded([&]() -> val {
    const std::vector<uint8_t> data = emscripten::convertJSArrayToNumberVector<uint8_t>(bytes);
    auto m = std::make_unique<app::LoadedModel>();
    m->model = models::parse_model(std::string(data.begin(), data.end()));
    m->model.fold();
    m->stats = parse_fxnorm_stats(stats_text);
    val out = val::object();
    out.set("kind", models::converter_kind_name(m->model.converter->kind()));
    out.set("parameters", static_cast<double>(m->model.encoder->param_count() + m->model.converter->param_count()));
    app::loaded_model(m->model.converter->kind()) = std::move(m);
    return out;
  });
}

// Ψ's parameters by our own C++ forward, for comparing with ONNX Runtime's.
val predict_params_js(val left, val right, val z) {
  return js::guarded([&]() -> val {
    const models::Model& m = app::require_model(ConverterKind::WhiteBox).model;
    const std::vector<float> zv = js::floats(z);
    if (zv.size() != static_cast<std::size_t>(m.encoder->z_dim())) throw std::invalid_argument("z has the wrong size");
    return params_array(predict_params(*m.converter, to_stereo(left, right), zv));
  });
}

// settings: {params, inputGainDb, saturatorOn, matchEqDb, matchEqAmount}, as a summary gives
// them, and sampleRate (the input's).
val render(val in_l, val in_r, val settings, double target_lufs, double ceiling_dbtp) {
  return js::guarded([&]() -> val {
    const Stereo input = to_stereo(in_l, in_r);
    const double fs = read_sample_rate(settings);
    require_playable(input, "the input", fs);
    // settings.unlimited: no final limiter (the 32-bit float export for users who limit elsewhere).
    const FinalizeOptions finalize{.target_lufs = std::clamp(target_lufs, -40.0, -5.0),
                                   .ceiling_dbtp = std::clamp(ceiling_dbtp, -12.0, 0.0),
                                   .limit = !settings["unlimited"].isTrue()};
    MasterSettings s;
    s.params = to_params(settings["params"]);
    s.input_gain_db = std::clamp(js::number_or(settings, "inputGainDb", 0.0), -40.0, 40.0);
    s.switches = style_switches({settings["saturatorOn"].isTrue() ? 1.0 : 0.0, false, is_mono(input)});
    s.match_eq = app::read_match_eq(settings);
    const Stereo out = render_master(input, s, fs, finalize);
    val result = val::object();
    result.set("left", float32_array(out.l));
    result.set("right", float32_array(out.r));
    return result;
  });
}

// The engine's defaults for every knob the page sends, so the page never keeps its own.
val defaults_js() {
  val d = val::object();
  d.set("steps", ItoOptions{}.max_steps);
  d.set("itoSteps", kDefaultItoZSteps);
  d.set("thetaSteps", kDefaultThetaSteps);
  d.set("bbItoSteps", kDefaultBlackBoxItoSteps);
  d.set("matchEqAmount", kDefaultMatchEqAmount);
  d.set("character", ChainStyle{}.character);
  return d;
}

const char* processor_id(Processor p) {
  switch (p) {
    case Processor::Eq: return "eq";
    case Processor::Distortion: return "distortion";
    case Processor::Multiband: return "multiband";
    case Processor::Gain: return "gain";
    case Processor::Imager: return "imager";
    case Processor::Limiter: return "limiter";
  }
  return "";
}

val param_table_array() {
  val out = val::array();
  const auto& table = param_table();
  for (int i = 0; i < kNumParams; ++i) {
    const ParamInfo& info = table[i];
    val row = val::object();
    row.set("id", std::string(info.id));
    row.set("label", std::string(info.label));
    row.set("processor", std::string(processor_id(info.processor)));
    row.set("unit", std::string(info.unit));
    row.set("min", info.min);
    row.set("max", info.max);
    out.call<void>("push", row);
  }
  return out;
}

std::string format_param_js(int index, double p) {
  if (index < 0 || index >= kNumParams) return "";
  return format_param(index, std::clamp(p, 0.0, 1.0));
}

// depth: "16" (TPDF dither), "24" or "32f" (master/sample_format.h); channels: 1 (the left
// channel: a mono master) or 2; rate: the master's -> the WAV's bytes, or {error}.
val encode_wav_js(val left, val right, std::string depth, int channels, double rate) {
  return js::guarded([&]() -> val {
    const std::optional<SampleFormat> format = parse_sample_format(depth);
    if (!format) throw std::invalid_argument("the bit depth is 16, 24 or 32f");
    const std::vector<std::uint8_t> b =
        encode_wav(to_stereo(left, right), channels, app::checked_sample_rate(rate), *format);
    return val::global("Uint8Array").new_(emscripten::typed_memory_view(b.size(), b.data()));
  });
}

// Integrated loudness only (tests and the matched-loudness playback toggle).
double integrated_lufs(val left, val right, double rate) {
  try {
    return finite_or(integrated_loudness(to_stereo(left, right), rate > 0 ? rate : kModelRate), -100.0);
  } catch (const std::exception&) {
    return -100.0;
  }
}

}  // namespace
}  // namespace ito

EMSCRIPTEN_BINDINGS(ito_engine_api) {
  emscripten::function("analyzeTrack", &ito::analyze_track);
  emscripten::function("warmUp", &ito::warm_up);
  emscripten::function("master", &ito::master);
  emscripten::function("loadModel", &ito::load_model);
  emscripten::function("predictParams", &ito::predict_params_js);
  emscripten::function("render", &ito::render);
  emscripten::function("defaults", &ito::defaults_js);
  emscripten::function("paramTable", &ito::param_table_array);
  emscripten::function("formatParam", &ito::format_param_js);
  emscripten::function("encodeWav", &ito::encode_wav_js);
  emscripten::function("integratedLufs", &ito::integrated_lufs);
  // The engine's thread count: 1 in studio.js, the cores (at most 8) in engine_mt.js.
  emscripten::function("threads", &ito::num_threads);
  emscripten::function("setThreads", &ito::set_num_threads);
}
