#include "core/json_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <stdexcept>

namespace ito {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid
// (bad lead byte, bad continuation, overlong form, surrogate, beyond U+10FFFF).
std::size_t utf8_sequence_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t len;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
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
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  out += '"';
  return out;
}

void JsonWriter::newline_indent(std::size_t depth) {
  if (indent_ <= 0) return;
  out_ += '\n';
  out_.append(depth * static_cast<std::size_t>(indent_), ' ');
}

// Separators and checks common to every value (including containers).
void JsonWriter::before_value() {
  if (stack_.empty()) {
    if (top_level_done_) throw std::logic_error("JsonWriter: a second top-level value");
    return;
  }
  Level& top = stack_.back();
  if (top.is_object) {
    if (!top.key_pending) throw std::logic_error("JsonWriter: value inside an object needs a key first");
    top.key_pending = false;
    return;
  }
  if (top.has_items) out_ += ',';
  top.has_items = true;
  newline_indent(stack_.size());
}

JsonWriter& JsonWriter::key(const std::string& k) {
  if (stack_.empty() || !stack_.back().is_object) throw std::logic_error("JsonWriter: key outside an object");
  Level& top = stack_.back();
  if (top.key_pending) throw std::logic_error("JsonWriter: two keys in a row");
  if (top.has_items) out_ += ',';
  top.has_items = true;
  top.key_pending = true;
  newline_indent(stack_.size());
  out_ += json_quote(k);
  out_ += indent_ > 0 ? ": " : ":";
  return *this;
}

JsonWriter& JsonWriter::raw_value(const std::string& text) {
  before_value();
  out_ += text;
  if (stack_.empty()) top_level_done_ = true;
  return *this;
}

JsonWriter& JsonWriter::open(char bracket, bool is_object, const char* k) {
  if (k) key(k);
  before_value();
  out_ += bracket;
  stack_.push_back(Level{is_object});
  return *this;
}

JsonWriter& JsonWriter::close(char bracket, bool is_object) {
  if (stack_.empty() || stack_.back().is_object != is_object) {
    throw std::logic_error(std::string("JsonWriter: unbalanced '") + bracket + "'");
  }
  if (stack_.back().key_pending) throw std::logic_error("JsonWriter: key without a value");
  const bool had_items = stack_.back().has_items;
  stack_.pop_back();
  if (had_items) newline_indent(stack_.size());
  out_ += bracket;
  if (stack_.empty()) top_level_done_ = true;
  return *this;
}

// The fewest significant digits that read back as exactly v (as std::to_chars would give:
// Emscripten's libc++ has no floating-point to_chars), in plain notation when that is no
// longer than the exponent form (100000, not 1e+05).
std::string JsonWriter::shortest_number(double v) {
  char sci[40], plain[400];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    if (std::strtod(sci, nullptr) == v) break;
  }
  std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
  // Plain notation with the same digits: as many decimals as lie right of the point.
  const int exponent = std::atoi(std::strchr(sci, 'e') + 1);
  std::snprintf(plain, sizeof plain, "%.*f", std::max(0, digits - 1 - exponent), v);
  // The exponent form as to_chars writes it: mantissa, 'e', sign, at least two digits.
  std::string mantissa(sci, std::strchr(sci, 'e'));
  char exp_text[8];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  const std::string scientific = mantissa + exp_text;
  return std::strlen(plain) <= scientific.size() ? std::string(plain) : scientific;
}

JsonWriter& JsonWriter::begin_object(const char* k) { return open('{', true, k); }
JsonWriter& JsonWriter::end_object() { return close('}', true); }
JsonWriter& JsonWriter::begin_array(const char* k) { return open('[', false, k); }
JsonWriter& JsonWriter::end_array() { return close(']', false); }

JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return null();
  return raw_value(shortest_number(v));
}

JsonWriter& JsonWriter::value(const std::string& v) { return raw_value(json_quote(v)); }
JsonWriter& JsonWriter::value(const char* v) { return v ? raw_value(json_quote(v)) : null(); }
JsonWriter& JsonWriter::value(bool v) { return raw_value(v ? "true" : "false"); }
JsonWriter& JsonWriter::null() { return raw_value("null"); }

JsonWriter& JsonWriter::values(const std::vector<double>& v) {
  begin_array();
  for (double x : v) value(x);
  return end_array();
}

}  // namespace ito
