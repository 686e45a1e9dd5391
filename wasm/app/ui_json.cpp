#include "app/ui_json.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ito::ui {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void JsonObject::key(const char* k) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(k);
  body_ += ':';
}

JsonObject& JsonObject::num(const char* k, double value) {
  key(k);
  body_ += json_number(value);
  return *this;
}

JsonObject& JsonObject::integer(const char* k, long long value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::boolean(const char* k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::str(const char* k, const std::string& value) {
  key(k);
  body_ += json_quote(value);
  return *this;
}

JsonObject& JsonObject::null(const char* k) {
  key(k);
  body_ += "null";
  return *this;
}

JsonObject& JsonObject::raw(const char* k, const std::string& json) {
  key(k);
  body_ += json;
  return *this;
}

JsonObject& JsonObject::num_array(const char* k, const double* values, int count) {
  key(k);
  body_ += '[';
  for (int i = 0; i < count; ++i) {
    if (i) body_ += ',';
    body_ += json_number(values[i]);
  }
  body_ += ']';
  return *this;
}

namespace {

// Position just after `"key"` followed by optional spaces and ':', or npos.
size_t value_start(const std::string& json, const char* key) {
  const std::string quoted = json_quote(key);
  size_t pos = 0;
  while ((pos = json.find(quoted, pos)) != std::string::npos) {
    size_t p = pos + quoted.size();
    while (p < json.size() && std::isspace(static_cast<unsigned char>(json[p]))) ++p;
    if (p < json.size() && json[p] == ':') {
      ++p;
      while (p < json.size() && std::isspace(static_cast<unsigned char>(json[p]))) ++p;
      return p;
    }
    pos += quoted.size();  // a string value that happens to equal the key; keep looking
  }
  return std::string::npos;
}

bool parse_number_at(const std::string& json, size_t pos, double* out, size_t* end) {
  const char* begin = json.c_str() + pos;
  char* stop = nullptr;
  const double v = std::strtod(begin, &stop);
  if (stop == begin) return false;
  *out = v;
  *end = pos + static_cast<size_t>(stop - begin);
  return true;
}

}  // namespace

bool json_find_number(const std::string& json, const char* key, double* out) {
  const size_t p = value_start(json, key);
  if (p == std::string::npos) return false;
  size_t end = 0;
  return parse_number_at(json, p, out, &end);
}

std::vector<float> json_find_number_array(const std::string& json, const char* key) {
  std::vector<float> values;
  size_t p = value_start(json, key);
  if (p == std::string::npos || json[p] != '[') return values;
  ++p;
  while (p < json.size()) {
    while (p < json.size() && (std::isspace(static_cast<unsigned char>(json[p])) || json[p] == ',')) ++p;
    if (p >= json.size() || json[p] == ']') break;
    if (json.compare(p, 4, "null") == 0) {
      values.push_back(NAN);
      p += 4;
      continue;
    }
    double v = 0;
    size_t end = 0;
    if (!parse_number_at(json, p, &v, &end)) break;  // malformed: keep what we have
    values.push_back(static_cast<float>(v));
    p = end;
  }
  return values;
}

}  // namespace ito::ui
