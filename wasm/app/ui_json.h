// Tiny JSON helpers for the UI: building the action payloads sent to the page and
// reading the few numbers the page pushes in metrics_json. Not a general JSON library.
#pragma once
#include <string>
#include <vector>

namespace ito::ui {

// Builds one flat JSON object: JsonObject().num("t", 1.5).str("kind", "input").text()
// -> {"t":1.5,"kind":"input"}. Non-finite numbers are written as null.
class JsonObject {
 public:
  JsonObject& num(const char* key, double value);
  JsonObject& integer(const char* key, long long value);
  JsonObject& boolean(const char* key, bool value);
  JsonObject& str(const char* key, const std::string& value);
  JsonObject& null(const char* key);
  JsonObject& raw(const char* key, const std::string& json);  // value already JSON
  JsonObject& num_array(const char* key, const double* values, int count);
  std::string text() const { return "{" + body_ + "}"; }

 private:
  void key(const char* k);
  std::string body_;
};

std::string json_quote(const std::string& s);  // "..." with escapes
std::string json_number(double v);            // shortest round-trip-ish, "null" if not finite

// Value of the first "key": <number> in `json` (at any nesting depth). Returns false when the
// key is missing or its value is not a number (null counts as missing).
bool json_find_number(const std::string& json, const char* key, double* out);
// Values of the first "key": [numbers...] in `json`; nulls become NaN. Empty when missing.
std::vector<float> json_find_number_array(const std::string& json, const char* key);

}  // namespace ito::ui
