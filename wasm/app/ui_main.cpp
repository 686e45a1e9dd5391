// The page-side main loop: a GLFW window on the canvas "#canvas" (WebGL 2 through
// Emscripten's GLFW), Dear ImGui with the GLFW + OpenGL3 backends, crisp on HiDPI.
// Actions go to the page through Module.onUiAction(name, json).
//
// HiDPI: every frame the canvas' backing store is sized to its CSS size x devicePixelRatio.
// ImGui works in CSS pixels (io.DisplaySize) with io.DisplayFramebufferScale = dpr; the font
// is rasterized at 13*dpr pixels and drawn at 1/dpr scale. Emscripten's GLFW reports mouse
// positions in backing-store pixels, so they are divided by the scale as well.
// The page's CSS decides the canvas' size (e.g. position:fixed; inset:0; width:100%;
// height:100%); the UI follows it when the window resizes.
#ifdef __EMSCRIPTEN__

#include <emscripten.h>
#include <emscripten/html5.h>

#define GLFW_INCLUDE_ES3
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "app/ui_actions.h"
#include "app/ui_draw.h"
#include "app/ui_state.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

// clang-format off
EM_JS(void, ui_emit_action, (const char* name, const char* json), {
  if (Module.onUiAction) Module.onUiAction(UTF8ToString(name), UTF8ToString(json));
});
// clang-format on

namespace {

constexpr const char* kCanvas = "#canvas";
constexpr float kBaseFontPixels = 13.0f;

struct Display {
  double css_w = 0, css_h = 0;  // canvas size in CSS pixels
  int fb_w = 0, fb_h = 0;       // backing store in device pixels
  float scale_x = 1, scale_y = 1;
};

GLFWwindow* g_window = nullptr;
Display g_display;
float g_font_dpr = 0;  // dpr the font atlas was built for (0: not yet)

// Sizes the canvas backing store to CSS size x devicePixelRatio.
void update_display() {
  const double dpr = std::max(emscripten_get_device_pixel_ratio(), 0.5);
  double w = 0, h = 0;
  emscripten_get_element_css_size(kCanvas, &w, &h);
  if (w < 1 || h < 1) w = 1, h = 1;  // hidden canvas: keep going, draw nothing useful
  const int fb_w = std::max(1, static_cast<int>(std::lround(w * dpr)));
  const int fb_h = std::max(1, static_cast<int>(std::lround(h * dpr)));
  int cur_w = 0, cur_h = 0;
  emscripten_get_canvas_element_size(kCanvas, &cur_w, &cur_h);
  if (cur_w != fb_w || cur_h != fb_h) emscripten_set_canvas_element_size(kCanvas, fb_w, fb_h);
  g_display = {w, h, fb_w, fb_h, static_cast<float>(fb_w / w), static_cast<float>(fb_h / h)};
}

// (Re)builds the font atlas when the device pixel ratio changes (e.g. window moved to
// another screen, or browser zoom). Must run outside NewFrame/Render.
void update_fonts() {
  const float dpr = g_display.scale_x;
  if (std::fabs(dpr - g_font_dpr) < 0.01f) return;
  ImGuiIO& io = ImGui::GetIO();
  const bool had_texture = g_font_dpr > 0;
  if (had_texture) ImGui_ImplOpenGL3_DestroyFontsTexture();
  io.Fonts->Clear();
  ImFontConfig config;
  config.SizePixels = std::round(kBaseFontPixels * dpr);
  io.Fonts->AddFontDefault(&config);
  io.FontGlobalScale = kBaseFontPixels / config.SizePixels;
  if (had_texture) ImGui_ImplOpenGL3_CreateFontsTexture();  // otherwise NewFrame creates it
  g_font_dpr = dpr;
}

// After the GLFW backend's NewFrame: ImGui in CSS pixels, rendering in device pixels.
void apply_display_to_io() {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(g_display.css_w), static_cast<float>(g_display.css_h));
  io.DisplayFramebufferScale = ImVec2(g_display.scale_x, g_display.scale_y);
  if (io.MousePos.x != -FLT_MAX && io.MousePos.y != -FLT_MAX)
    io.MousePos = ImVec2(io.MousePos.x / g_display.scale_x, io.MousePos.y / g_display.scale_y);
}

// Whether this animation frame draws: after a change (ito::ui::UiState::redraw_frames), or a
// canvas resize; while busy, every 8th frame too (the spinner).
bool wants_frame() {
  static unsigned tick = 0;
  ito::ui::UiState& st = ito::ui::ui_state();
  const Display before = g_display;
  update_display();
  if (g_display.css_w != before.css_w || g_display.css_h != before.css_h || g_display.fb_w != before.fb_w ||
      g_display.fb_h != before.fb_h)
    st.request_redraw();
  if (st.busy && ++tick % 8 == 0) return true;
  if (st.redraw_frames <= 0) return false;
  --st.redraw_frames;
  return true;
}

void frame() {
  if (!wants_frame()) return;  // the canvas keeps showing the last frame
  update_fonts();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  apply_display_to_io();
  ImGui::NewFrame();
  ito::ui::draw_ui(ito::ui::ui_state());
  ImGui::Render();
  glViewport(0, 0, g_display.fb_w, g_display.fb_h);
  glClearColor(0.09f, 0.10f, 0.12f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

}  // namespace

int main() {
  // The same module runs in a Web Worker for the engine: no UI there.
  if (!EM_ASM_INT({ return typeof document !== 'undefined' ? 1 : 0; })) return 0;

  ito::ui::set_action_sink([](const char* name, const std::string& json) { ui_emit_action(name, json.c_str()); });

  if (!glfwInit()) {
    ito::ui::ui_state().status = "Could not start the UI (GLFW)";
    return 1;
  }
  update_display();
  g_window = glfwCreateWindow(g_display.fb_w, g_display.fb_h, "ITO-Master Studio", nullptr, nullptr);
  if (!g_window) {
    ito::ui::emit_field("ui_error", "message", "WebGL is not available in this browser");
    return 1;
  }
  glfwMakeContextCurrent(g_window);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing to persist
  ito::ui::apply_studio_style();
  // Input events ask for a redraw; installed before ImGui's callbacks, which chain to these.
  constexpr auto redraw = [](auto...) { ito::ui::ui_state().request_redraw(); };
  glfwSetCursorPosCallback(g_window, redraw);
  glfwSetMouseButtonCallback(g_window, redraw);
  glfwSetScrollCallback(g_window, redraw);
  glfwSetKeyCallback(g_window, redraw);
  glfwSetCharCallback(g_window, redraw);
  glfwSetCursorEnterCallback(g_window, redraw);
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init(nullptr);  // the backend picks the GLSL version for WebGL

  // Return from main and keep drawing on requestAnimationFrame; the runtime stays alive.
  emscripten_set_main_loop(frame, 0, false);
  return 0;
}

#endif  // __EMSCRIPTEN__
