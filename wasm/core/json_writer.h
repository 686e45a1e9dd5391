// A small streaming JSON writer (no dependencies) for the CLI's reports and the UI's actions.
//   JsonWriter w;
//   w.begin_object().key("lufs").value(-14.2).begin_array("gains").value(1).value(2).end_array().end_object();
//   w.str() == R"({"lufs":-14.2,"gains":[1,2]})"
// Doubles use the shortest text that reads back exactly; NaN/Inf become null.
// Strings are escaped; invalid UTF-8 bytes become U+FFFD so the output stays valid JSON.
// Misuse (a value without a key inside an object, unbalanced end_*) throws std::logic_error.
#pragma once
#include <concepts>
#include <string>
#include <vector>

namespace ito {

class JsonWriter {
 public:
  // indent 0: compact, one line. indent > 0: pretty-printed with that many spaces per level.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  // With a key, these are shorthand for key(k).begin_...().
  JsonWriter& begin_object(const char* key = nullptr);
  JsonWriter& end_object();
  JsonWriter& begin_array(const char* key = nullptr);
  JsonWriter& end_array();

  JsonWriter& key(const std::string& k);
  JsonWriter& value(double v);
  JsonWriter& value(const std::string& v);
  JsonWriter& value(const char* v);
  JsonWriter& value(bool v);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& value(T v) {
    return raw_value(std::to_string(v));
  }
  JsonWriter& null();
  // An array of numbers, e.g. a gain curve.
  JsonWriter& values(const std::vector<double>& v);

  // key(k).value(v) in one call.
  template <class T>
  JsonWriter& field(const std::string& k, const T& v) {
    key(k);
    return value(v);
  }

  // True once exactly one top-level value is written and every container is closed.
  bool complete() const { return stack_.empty() && top_level_done_; }
  const std::string& str() const { return out_; }

 private:
  struct Level {
    bool is_object;
    bool has_items = false;
    bool key_pending = false;
  };
  static std::string shortest_number(double v);
  JsonWriter& raw_value(const std::string& text);
  void before_value();
  void newline_indent(std::size_t depth);
  JsonWriter& open(char bracket, bool is_object, const char* key);
  JsonWriter& close(char bracket, bool is_object);

  int indent_;
  std::string out_;
  std::vector<Level> stack_;
  bool top_level_done_ = false;
};

// s as a quoted JSON string literal.
std::string json_quote(const std::string& s);

}  // namespace ito
