// A small, strict JSON reader (RFC 8259) for files the engine is handed: the whole
// document becomes a tree of values. Limits on size and nesting keep a hostile file from
// exhausting memory or the stack. Not a general JSON library: no writer, no streaming.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ito::json {

// Malformed JSON or a limit exceeded; the message names the byte offset.
struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Member;

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0.0;          // always finite
  std::string string;
  std::vector<Value> items;     // Array
  std::vector<Member> members;  // Object, in document order; keys are unique

  const Value* find(std::string_view key) const;  // nullptr if absent
};

struct Member {
  std::string key;
  Value value;
};

struct Limits {
  std::size_t max_bytes = 1 << 20;
  int max_depth = 16;  // arrays and objects inside one another
};

// Throws ParseError for anything but exactly one JSON value (whitespace around it is fine):
// syntax errors, duplicate keys, numbers out of double's range, strings with raw control
// characters or lone surrogates, and inputs beyond `limits`.
Value parse(std::string_view text, const Limits& limits = {});

const char* kind_name(Value::Kind kind);  // "null", "a number", "an object", ...

}  // namespace ito::json
