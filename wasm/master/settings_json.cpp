#include "master/settings_json.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <string_view>

#include "core/json_reader.h"

namespace ito {
namespace {

using json::Value;
using Kind = Value::Kind;

// The format itself nests three deep: the object, its "params" array, an entry.
constexpr int kMaxDepth = 4;

[[noreturn]] void fail(const std::string& what) { throw SettingsJsonError("settings JSON: " + what); }

std::string json_number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void check_keys(const Value& object, std::initializer_list<std::string_view> allowed, const std::string& where) {
  for (const json::Member& m : object.members)
    if (std::find(allowed.begin(), allowed.end(), m.key) == allowed.end())
      fail("unknown key \"" + m.key + "\" in " + where);
}

// A number, or nothing for a missing key or null.
std::optional<double> optional_number(const Value& object, const std::string& key, const std::string& where) {
  const Value* v = object.find(key);
  if (!v || v->kind == Kind::Null) return std::nullopt;
  if (v->kind != Kind::Number) fail("\"" + key + "\" in " + where + " must be a number, not " + json::kind_name(v->kind));
  return v->number;
}

const std::string* optional_string(const Value& object, const std::string& key, const std::string& where) {
  const Value* v = object.find(key);
  if (!v) return nullptr;
  if (v->kind != Kind::String) fail("\"" + key + "\" in " + where + " must be a string, not " + json::kind_name(v->kind));
  return &v->string;
}

struct Entry {
  int index;
  double normalized;
};

// One element of the parameter list, found at `position`: a number, or an object.
Entry read_entry(const Value& v, int position) {
  const std::string where = "parameter " + std::to_string(position + 1);
  if (v.kind == Kind::Number) return {position, v.number};
  if (v.kind != Kind::Object) fail(where + " must be a number or an object, not " + json::kind_name(v.kind));
  check_keys(v, {"id", "label", "value", "unit", "normalized", "display"}, where);
  for (const char* text_key : {"label", "unit", "display"}) optional_string(v, text_key, where);
  int index = position;
  if (const std::string* id = optional_string(v, "id", where)) {
    index = param_index(*id);
    if (index < 0) fail("unknown parameter id \"" + *id + "\" (" + where + ")");
  }
  if (const auto normalized = optional_number(v, "normalized", where)) return {index, *normalized};
  if (const auto value = optional_number(v, "value", where)) return {index, normalize(param_table()[index], *value)};
  fail(where + " has neither \"normalized\" nor \"value\"");
}

Params read_params(const Value& list) {
  if (list.kind != Kind::Array) fail("\"params\" must be an array, not " + std::string(json::kind_name(list.kind)));
  if (list.items.size() != kNumParams)
    fail("there must be " + std::to_string(kNumParams) + " parameters, not " + std::to_string(list.items.size()));
  Params params{};
  std::array<bool, kNumParams> given{};
  for (int i = 0; i < kNumParams; ++i) {
    const Entry e = read_entry(list.items[i], i);
    if (given[e.index]) fail("parameter \"" + std::string(param_table()[e.index].id) + "\" is given twice");
    given[e.index] = true;
    params[e.index] = std::clamp(e.normalized, 0.0, 1.0);  // ranges are the chain's; the page clamps too
  }
  return params;
}

ImportedSettings read_object(const Value& root) {
  const std::string where = "the settings";
  check_keys(root, {"format", "version", "inputGainDb", "input_gain_db", "targetLufs", "ceilingDbtp", "chain_input",
                    "params"},
             where);
  if (const std::string* format = optional_string(root, "format", where); format && *format != "itomaster-params")
    fail("\"format\" is \"" + *format + "\", not \"itomaster-params\"");
  if (const auto version = optional_number(root, "version", where); version && *version != 1.0)
    fail("version " + json_number_text(*version) + " is not supported (this build reads version 1)");
  const Value* params = root.find("params");
  if (!params) fail("\"params\" is missing");

  ImportedSettings out;
  out.params = read_params(*params);
  const auto gain_page = optional_number(root, "inputGainDb", where);
  const auto gain_cli = optional_number(root, "input_gain_db", where);
  if (gain_page && gain_cli) fail("both \"inputGainDb\" and \"input_gain_db\" are given");
  out.input_gain_db = gain_page ? gain_page : gain_cli;
  out.target_lufs = optional_number(root, "targetLufs", where);
  out.ceiling_dbtp = optional_number(root, "ceilingDbtp", where);
  if (const std::string* chain = optional_string(root, "chain_input", where)) {
    if (*chain != "level_matched" && *chain != "fx_normalized")
      fail("\"chain_input\" is \"" + *chain + "\", not \"level_matched\" or \"fx_normalized\"");
    out.chain_input = *chain;
  }
  return out;
}

}  // namespace

ImportedSettings parse_settings_json(const std::string& text) {
  Value root;
  try {
    root = json::parse(text, {kMaxSettingsJsonBytes, kMaxDepth});
  } catch (const json::ParseError& e) {
    throw SettingsJsonError(std::string("settings ") + e.what());
  }
  if (root.kind == Kind::Array) {
    ImportedSettings out;
    out.params = read_params(root);
    return out;
  }
  if (root.kind != Kind::Object) fail(std::string("expected an object or an array, not ") + json::kind_name(root.kind));
  return read_object(root);
}

}  // namespace ito
