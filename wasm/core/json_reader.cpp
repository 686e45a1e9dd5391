#include "core/json_reader.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>

namespace ito::json {
namespace {

class Reader {
 public:
  Reader(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  Value document() {
    if (text_.size() > limits_.max_bytes)
      throw ParseError("JSON: the text is " + std::to_string(text_.size()) + " bytes; at most " +
                       std::to_string(limits_.max_bytes) + " are accepted");
    skip_space();
    Value v = value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("JSON: " + what + " at byte " + std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("unknown literal");
    pos_ += word.size();
  }

  Value value(int depth) {
    Value v;
    switch (peek()) {
      case '{': v.kind = Value::Kind::Object; object(v, depth + 1); break;
      case '[': v.kind = Value::Kind::Array; array(v, depth + 1); break;
      case '"': v.kind = Value::Kind::String; v.string = string(); break;
      case 't': literal("true"); v.kind = Value::Kind::Bool; v.boolean = true; break;
      case 'f': literal("false"); v.kind = Value::Kind::Bool; break;
      case 'n': literal("null"); break;
      default: v.kind = Value::Kind::Number; v.number = number(); break;
    }
    return v;
  }

  void enter(int depth) {
    if (depth > limits_.max_depth) fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
  }

  void array(Value& v, int depth) {
    enter(depth);
    expect('[');
    skip_space();
    if (peek() == ']') return void(++pos_);
    for (;;) {
      skip_space();
      v.items.push_back(value(depth));
      skip_space();
      if (peek() == ']') return void(++pos_);
      expect(',');
    }
  }

  void object(Value& v, int depth) {
    enter(depth);
    expect('{');
    skip_space();
    if (peek() == '}') return void(++pos_);
    std::set<std::string> keys;  // a lookup per key: an object of many keys stays fast
    for (;;) {
      skip_space();
      const std::size_t key_at = pos_;
      std::string key = string();
      if (!keys.insert(key).second) {
        pos_ = key_at;
        fail("duplicate key \"" + key + "\"");
      }
      skip_space();
      expect(':');
      skip_space();
      v.members.push_back({std::move(key), value(depth)});
      skip_space();
      if (peek() == '}') return void(++pos_);
      expect(',');
    }
  }

  // The RFC's grammar, checked here: from_chars alone would accept "1." or "01" or "inf".
  double number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      pos_ = start;
      fail("expected a value");
    }
    if (peek() == '.') {
      ++pos_;
      if (digits() == 0) fail("expected digits after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) fail("expected digits in the exponent");
    }
    double v = 0.0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, v);
    if (ec != std::errc() || end != text_.data() + pos_ || !std::isfinite(v)) {
      pos_ = start;
      fail("number out of range");
    }
    return v;
  }

  unsigned hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      const char c = peek();
      const int digit = c >= '0' && c <= '9' ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) fail("bad \\u escape");
      code = code * 16 + static_cast<unsigned>(digit);
    }
    return code;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  // A \u escape, with a following low surrogate when it is a high one.
  std::uint32_t escaped_code_point() {
    const unsigned first = hex4();
    if (first >= 0xDC00 && first <= 0xDFFF) fail("lone low surrogate");
    if (first < 0xD800 || first > 0xDBFF) return first;
    if (text_.substr(pos_, 2) != "\\u") fail("lone high surrogate");
    pos_ += 2;
    const unsigned second = hex4();
    if (second < 0xDC00 || second > 0xDFFF) fail("lone high surrogate");
    return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        fail("control character in a string");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, escaped_code_point()); break;
        default: --pos_; fail("bad escape in a string");
      }
    }
  }

  std::string_view text_;
  Limits limits_;
  std::size_t pos_ = 0;
};

}  // namespace

const Value* Value::find(std::string_view key) const {
  for (const Member& m : members)
    if (m.key == key) return &m.value;
  return nullptr;
}

Value parse(std::string_view text, const Limits& limits) { return Reader(text, limits).document(); }

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return "true or false";
    case Value::Kind::Number: return "a number";
    case Value::Kind::String: return "a string";
    case Value::Kind::Array: return "an array";
    case Value::Kind::Object: return "an object";
  }
  return "?";
}

}  // namespace ito::json
