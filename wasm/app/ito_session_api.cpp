// Mastering with a learned model, driven step by step from the worker (embind), so that Φ
// can run in ONNX Runtime and Ψ's backward to z on the GPU (web/gpu_backward.js) between
// steps. The steps themselves are ito::ItoZStepper's, the same as the CLI's ito_on_z, and
// (white-box, thetaSteps > 0) then ito::ItoThetaStepper's, the CLI's Θ phase:
//
//   itoPrepare(inL, inR, refL, refR, options) -> {kind, preview, reference: {left, right},
//        input: {left, right}}   (the excerpts Φ and Ψ see, for ONNX Runtime)
//   itoStart(zInit | null)       -> {zDim}   (null: Φ in C++)
//   itoNext(exportTape)          -> status; with exportTape (white-box only) an update step
//        of ITO on z stops half way and returns {needsGradient: true, tape, gParams}: the
//        caller computes dL/dz and hands it to itoReportGradient(gz), or calls
//        itoCpuGradient() instead. Once ITO on z is done, each call is one step on Θ.
//   itoStop()                    -> status (the stop button)
//   itoFinish()                  -> the mastering summary (as master()) over both phases, plus
//        bestZ, zSteps, zBestLoss, thetaPhase ({steps, initialLoss, bestLoss, stop} or null), preview
//        and normalizedLeft/Right (white-box: what the chain processed, for re-rendering)
//   status: {done, step, loss, bestLoss, evaluations, maxSteps, stop, phase: 'z' | 'theta'}
//
// options: {kind: 'white-box' | 'black-box', itoSteps, thetaSteps, startParams (a refine: the 46
//   parameters the user has now; the step on Θ starts there if they score better), targetLufs|null, ceilingDbtp,
//   previewSeconds (black-box: only the loudest section of the input; default 15), sampleRate
//   (of the mix and the reference: the master's; white-box at another rate than 44.1 kHz also
//   takes input44 and reference44, {left, right}: the copies Φ and Ψ see)} plus the
//   target options of app::target_from.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/engine_shared.h"
#include "app/js_convert.h"
#include "app/psi_tape_js.h"
#include "ito/ito_z.h"
#include "master/mastering.h"
#include "master/model_mastering.h"
#include "master/model_rate.h"

using emscripten::val;

namespace ito {
namespace {


struct Session {
  const app::LoadedModel* model = nullptr;
  double fs = kModelRate;  // the master's rate: the chain's, ITO's objective's and the render's
  bool preview = false;
  ModelMasteringPlan plan;
  ModelMasteringOptions options;
  std::vector<float> z_ref;
  std::optional<ItoZStepper> stepper;
  std::optional<ItoThetaStepper> theta;  // white-box: ITO on Θ once ITO on z is done
  std::optional<Params> start_params;     // a refine's current parameters
  // An update step waiting for dL/dz from the caller (itoNext with exportTape).
  bool awaiting_gradient = false;
  WhiteBoxEvaluation pending;
  models::Converter::Tape tape;

  bool white() const { return model->model.converter->kind() == models::ConverterKind::WhiteBox; }
  // theta_steps is 0 for black-box (prepare).
  bool theta_due() const { return stepper->done() && theta_phase_due(options.theta_steps, stepper->result()); }
  bool done() const { return stepper->done() && (!theta_due() || (theta && theta->done())); }
};

std::unique_ptr<Session>& session() {
  static std::unique_ptr<Session> s;
  return s;
}

Session& started_session() {
  Session* s = session().get();
  if (!s || !s->stepper) throw std::logic_error("no ITO session: call itoPrepare and itoStart first");
  return *s;
}

val status_object(Session& s) {
  static const ItoResult kNoThetaPhase;
  const ItoResult& theta = s.theta ? s.theta->result() : kNoThetaPhase;
  // Both phases as one run; the Θ phase's first evaluation repeats ITO on z's best point.
  const CombinedIto c = combined_ito(s.stepper->result(), theta);
  val out = val::object();
  out.set("done", s.done());
  out.set("phase", std::string(theta.loss_curve.empty() ? "z" : "theta"));
  out.set("step", static_cast<int>(c.loss_curve.size()) - 1);
  const std::vector<double>& last = theta.loss_curve.empty() ? s.stepper->result().loss_curve : theta.loss_curve;
  out.set("loss", last.empty() ? 0.0 : last.back());
  out.set("bestLoss", c.best_loss);
  out.set("evaluations", s.stepper->result().evaluations + static_cast<int>(theta.loss_curve.size()));
  out.set("maxSteps", s.options.ito.max_steps + s.options.theta_steps);
  out.set("stop", std::string(stop_name(c.stop)));
  return out;
}

val prepare(val in_l, val in_r, val ref_l, val ref_r, val options) {
  return js::guarded([&]() -> val {
    session().reset();
    auto s = std::make_unique<Session>();
    const std::string kind = options.hasOwnProperty("kind") && options["kind"].isString()
                                 ? options["kind"].as<std::string>() : "white-box";
    if (kind != "white-box" && kind != "black-box") throw std::invalid_argument("kind must be white-box or black-box");
    s->model = &app::require_model(kind == "white-box" ? models::ConverterKind::WhiteBox
                                                        : models::ConverterKind::BlackBox);
    Stereo input = js::to_stereo(in_l, in_r);
    const Stereo reference = js::to_stereo(ref_l, ref_r);
    const double fs = s->fs = app::read_sample_rate(options);
    app::require_playable(input, "the input", fs);
    app::require_playable(reference, "the reference", fs);
    // At another rate than the models', Φ and Ψ see copies at theirs (white-box only).
    Stereo input_copy, reference_copy;
    ModelRateCopies copies;
    if (fs != kModelRate) {
      if (!s->white()) throw std::invalid_argument("black-box runs at 44.1 kHz: hand it the 44.1 kHz copies");
      if (!js::has_value(options, "input44") || !js::has_value(options, "reference44"))
        throw std::invalid_argument("at another rate than 44.1 kHz, give input44 and reference44 (the models' copies)");
      input_copy = js::to_stereo(options["input44"]["left"], options["input44"]["right"]);
      reference_copy = js::to_stereo(options["reference44"]["left"], options["reference44"]["right"]);
      copies = {&input_copy, &reference_copy};
    }
    if (!s->white()) {  // black-box runs Ψ at full rate on every sample: a preview section only
      const double seconds = std::clamp(js::number_or(options, "previewSeconds", 15.0), 3.0, 60.0);
      s->preview = input.frames() > static_cast<std::size_t>(seconds * fs);
      input = loudest_section(input, fs, seconds);
    }
    s->options.ito.max_steps =
        std::clamp(static_cast<int>(js::number_or(options, "itoSteps", kDefaultItoZSteps)), 0, 1000);
    s->options.theta_steps =
        s->white() ? std::clamp(static_cast<int>(js::number_or(options, "thetaSteps", kDefaultThetaSteps)), 0, 1000)
                   : 0;
    const app::FinalStageOptions final_stage = app::read_final_stage_options(options);
    if (s->white() && options.hasOwnProperty("startParams") && !options["startParams"].isNull()) {
      const std::vector<float> p = js::floats(options["startParams"]);
      if (p.size() != static_cast<std::size_t>(kNumParams)) throw std::invalid_argument("startParams needs 46 values");
      Params start{};
      for (int j = 0; j < kNumParams; ++j) {
        if (!std::isfinite(p[j])) throw std::invalid_argument("startParams holds a non-finite value");
        start[j] = std::clamp(static_cast<double>(p[j]), 0.0, 1.0);
      }
      s->start_params = start;
    }
    s->options.target_lufs = final_stage.target_lufs;
    s->options.ceiling_dbtp = final_stage.ceiling_dbtp;
    s->options.style = app::read_chain_style(options);
    s->options.amounts = app::read_match_amounts(options);
    s->options.match_eq_amount = std::clamp(js::number_or(options, "matchEqAmount", kDefaultMatchEqAmount), 0.0, 1.5);
    if (const auto target = app::target_from(options, reference, fs)) {
      s->options.target_features = target->features;
      s->options.target_balance = target->balance;
    }
    s->plan = plan_model_mastering(input, reference, fs, s->model->model, s->model->stats, s->options, copies);
    val out = val::object();
    out.set("kind", kind);
    out.set("preview", s->preview);
    out.set("previewSeconds", input.frames() / fs);
    out.set("reference", js::stereo_object(s->plan.reference_excerpt));
    out.set("input", js::stereo_object(s->plan.psi_excerpt));
    session() = std::move(s);
    return out;
  });
}

val start(val z_init) {
  return js::guarded([&]() -> val {
    Session* s = session().get();
    if (!s) throw std::logic_error("no ITO session: call itoPrepare first");
    const bool given = !z_init.isNull() && !z_init.isUndefined();
    s->z_ref = starting_embedding(s->model->model, s->plan, given ? js::floats(z_init) : std::vector<float>{});
    s->stepper.emplace(s->z_ref, s->options.ito);
    val out = val::object();
    out.set("zDim", static_cast<int>(s->z_ref.size()));
    return out;
  });
}

// One evaluation at the stepper's next z, all in C++ unless the caller takes over Ψ's backward.
val next(bool export_tape) {
  return js::guarded([&]() -> val {
    Session& s = started_session();
    if (s.awaiting_gradient) throw std::logic_error("itoNext: the last step still waits for its gradient");
    if (s.stepper->done()) {
      if (!s.theta_due()) return status_object(s);
      if (!s.theta) {
        s.theta.emplace(s.plan.segments, s.plan.objective, s.fs,
                         theta_phase_start(s.plan, s.stepper->result(), s.start_params, s.fs),
                         theta_phase_options(s.options.theta_steps, s.plan.space));
      }
      if (!s.theta->done()) {
        s.theta->evaluate();
        s.theta->advance();
      }
      return status_object(s);
    }
    const models::Converter& psi = *s.model->model.converter;
    const bool gradient = s.stepper->wants_gradient();
    const std::vector<float>& z = s.stepper->next_z();
    if (s.white() && gradient && export_tape) {
      s.tape = {};
      s.pending = evaluate_white_box(psi, s.plan.excerpt, z, s.plan.objective, s.fs, s.plan.space, &s.tape,
                                     &s.plan.segments);
      if (!s.pending.grad_params.empty()) {
        s.awaiting_gradient = true;
        std::vector<float> p(s.pending.params.begin(), s.pending.params.end());
        val out = val::object();
        out.set("needsGradient", true);
        out.set("tape", app::psi_tape_object(psi, s.tape, static_cast<int>(s.plan.excerpt.frames()), p));
        out.set("gParams", js::float32_array(s.pending.grad_params));
        return out;
      }
      s.stepper->report(s.pending.loss, &s.pending.params, nullptr);  // a non-finite loss ends ITO
      return status_object(s);
    }
    Params params{};
    std::vector<float> gz;
    const double loss = evaluate_z(psi, s.plan.excerpt, z, s.plan.objective, s.fs, s.plan.space, &params,
                                   gradient ? &gz : nullptr, s.white() ? &s.plan.segments : nullptr);
    s.stepper->report(loss, s.white() ? &params : nullptr, gradient ? &gz : nullptr);
    return status_object(s);
  });
}

void complete_step(Session& s, const std::vector<float>& gz) {
  s.awaiting_gradient = false;
  s.stepper->report(s.pending.loss, &s.pending.params, &gz);
  s.tape = {};
}

val report_gradient(val gz_js) {
  return js::guarded([&]() -> val {
    Session& s = started_session();
    if (!s.awaiting_gradient) throw std::logic_error("itoReportGradient: no step waits for a gradient");
    const std::vector<float> gz = js::floats(gz_js);
    if (gz.size() != s.z_ref.size()) throw std::invalid_argument("the gradient has the wrong size");
    for (float g : gz)
      if (!std::isfinite(g)) throw std::invalid_argument("the gradient holds a non-finite value");
    complete_step(s, gz);
    return status_object(s);
  });
}

// The C++ backward for a step whose tape was exported (when the GPU path fails).
val cpu_gradient() {
  return js::guarded([&]() -> val {
    Session& s = started_session();
    if (!s.awaiting_gradient) throw std::logic_error("itoCpuGradient: no step waits for a gradient");
    complete_step(s, converter_backward_z(*s.model->model.converter, s.tape, s.pending.grad_params));
    return status_object(s);
  });
}

val stop() {
  return js::guarded([&]() -> val {
    Session& s = started_session();
    s.awaiting_gradient = false;
    if (s.theta) s.theta->stop();
    else s.stepper->stop();
    return status_object(s);
  });
}

val finish() {
  return js::guarded([&]() -> val {
    Session& s = started_session();
    if (!s.stepper->done()) s.stepper->stop();
    if (s.theta && !s.theta->done()) s.theta->stop();
    ItoResult theta = s.theta ? s.theta->result() : ItoResult{};
    s.theta.reset();  // it refers to the plan, which finishing consumes
    const ModelMasteringResult r = finish_model_mastering(std::move(s.plan), s.model->model, std::move(s.z_ref),
                                                          s.stepper->result(), s.fs, std::move(theta));
    const bool white = s.white(), preview = s.preview;
    session().reset();
    const CombinedIto c = combined_ito(r.ito, r.theta);
    val out = app::summary_object({r.output, r.params_after, r.params_before, 0.0, r.target_lufs, c.loss_curve,
                                   r.ito.initial_loss, c.best_loss, c.steps, c.stop, r.finalize, r.match_eq,
                                   r.switches[static_cast<int>(Processor::Distortion)],
                                   r.switches[static_cast<int>(Processor::Imager)]});
    if (white) {
      out.set("normalizedLeft", js::float32_array(r.normalized_input.l));
      out.set("normalizedRight", js::float32_array(r.normalized_input.r));
    }
    out.set("preview", preview);
    out.set("bestZ", js::float32_array(r.ito.best_z));
    // The two phases apart: ITO on z, then the step on Θ (null when none ran).
    out.set("zSteps", r.ito.steps);
    out.set("zBestLoss", r.ito.best_loss);
    if (r.theta.loss_curve.empty()) {
      out.set("thetaPhase", val::null());
    } else {
      val phase = val::object();
      phase.set("steps", r.theta.steps);
      phase.set("initialLoss", r.theta.initial_loss);
      phase.set("bestLoss", r.theta.best_loss);
      phase.set("stop", std::string(stop_name(r.theta.stop)));
      out.set("thetaPhase", phase);
    }
    return out;
  });
}

}  // namespace
}  // namespace ito

EMSCRIPTEN_BINDINGS(ito_session_api) {
  emscripten::function("itoPrepare", &ito::prepare);
  emscripten::function("itoStart", &ito::start);
  emscripten::function("itoNext", &ito::next);
  emscripten::function("itoReportGradient", &ito::report_gradient);
  emscripten::function("itoCpuGradient", &ito::cpu_gradient);
  emscripten::function("itoStop", &ito::stop);
  emscripten::function("itoFinish", &ito::finish);
}
