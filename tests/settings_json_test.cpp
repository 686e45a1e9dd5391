// Reading mastering settings JSON (master/settings_json.h) and the strict JSON reader under
// it (core/json_reader.h): the formats the page and --params-out write, and refusals.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json_writer.h"
#include "cli/report.h"
#include "core/json_reader.h"
#include "master/settings_json.h"

namespace ito {
namespace {

Params ramp() {
  Params p{};
  for (int i = 0; i < kNumParams; ++i) p[i] = (i + 0.5) / kNumParams;
  return p;
}

// The 46 entries as the page's exportParams writes them, in table order unless `order` says.
std::string page_entries(const Params& p, const std::vector<int>& order = {}) {
  std::string s;
  for (int k = 0; k < kNumParams; ++k) {
    const int i = order.empty() ? k : order[k];
    const ParamInfo& info = param_table()[i];
    s += std::string(k ? "," : "") + "\n    {\"id\": \"" + info.id + "\", \"normalized\": " + std::to_string(p[i]) +
         ", \"value\": " + std::to_string(denormalize(info, p[i])) + ", \"unit\": \"" + info.unit + "\"}";
  }
  return s;
}

std::string numbers(int count, const std::string& each = "0.5") {
  std::string s = "[";
  for (int i = 0; i < count; ++i) s += (i ? "," : "") + each;
  return s + "]";
}

void expect_refused(const std::string& text, const std::string& reason) {
  try {
    parse_settings_json(text);
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const SettingsJsonError& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST(SettingsJson, ReadsWhatParamsOutWrites) {
  Params p{};
  for (int i = 0; i < kNumParams; ++i) p[i] = 1.0 / (i + 3.0);  // no short decimal form
  JsonWriter w(2);
  w.begin_object().field("input_gain_db", -7.25).field("chain_input", "level_matched");
  write_params(w, "params", p);
  w.end_object();
  const ImportedSettings s = parse_settings_json(w.str() + "\n");
  for (int i = 0; i < kNumParams; ++i) EXPECT_EQ(s.params[i], p[i]) << param_table()[i].id;
  ASSERT_TRUE(s.input_gain_db);
  EXPECT_EQ(*s.input_gain_db, -7.25);
  EXPECT_FALSE(s.target_lufs);
  EXPECT_EQ(s.chain_input, "level_matched");
}

TEST(SettingsJson, ReadsThePageExport) {
  const Params p = ramp();
  const std::string text = "{\n  \"format\": \"itomaster-params\",\n  \"version\": 1,\n  \"inputGainDb\": 2.5,\n"
                           "  \"targetLufs\": -9,\n  \"ceilingDbtp\": -0.5,\n  \"params\": [" +
                           page_entries(p) + "\n  ]\n}";
  const ImportedSettings s = parse_settings_json(text);
  for (int i = 0; i < kNumParams; ++i) EXPECT_NEAR(s.params[i], p[i], 1e-6);
  EXPECT_EQ(s.input_gain_db.value_or(0), 2.5);
  EXPECT_EQ(s.target_lufs.value_or(0), -9.0);
  EXPECT_EQ(s.ceiling_dbtp.value_or(0), -0.5);
}

TEST(SettingsJson, MatchesEntriesByIdInAnyOrder) {
  const Params p = ramp();
  std::vector<int> reversed;
  for (int i = kNumParams - 1; i >= 0; --i) reversed.push_back(i);
  const ImportedSettings s = parse_settings_json("{\"params\": [" + page_entries(p, reversed) + "]}");
  for (int i = 0; i < kNumParams; ++i) EXPECT_NEAR(s.params[i], p[i], 1e-6);
}

TEST(SettingsJson, BareArrayIsPositionalAndClamped) {
  std::string text = "[-0.5, 1.5";
  for (int i = 2; i < kNumParams; ++i) text += ", 0.25";
  const ImportedSettings s = parse_settings_json(text + "]");
  EXPECT_EQ(s.params[0], 0.0);
  EXPECT_EQ(s.params[1], 1.0);
  EXPECT_EQ(s.params[45], 0.25);
  EXPECT_FALSE(s.input_gain_db);
}

TEST(SettingsJson, ValueInTheParametersUnitWhenNormalizedIsAbsent) {
  const int gain = param_index("gain");
  std::string list = "[";
  for (int i = 0; i < kNumParams; ++i)
    list += std::string(i ? ", " : "") + (i == gain ? "{\"id\": \"gain\", \"value\": 12}" : "0");
  const ImportedSettings s = parse_settings_json("{\"params\": " + list + "], \"targetLufs\": null}");
  EXPECT_DOUBLE_EQ(s.params[gain], 0.75);  // -24..24 dB
  EXPECT_FALSE(s.target_lufs);  // null counts as absent
}

// Entries with ids and entries without may mix, but not claim the same parameter.
TEST(SettingsJson, RefusesAnIdThatTakesAnotherEntrysPlace) {
  std::string list = "[{\"id\": \"gain\", \"normalized\": 1}";
  for (int i = 1; i < kNumParams; ++i) list += ", 0";
  expect_refused(list + "]", "\"gain\" is given twice");
}

TEST(SettingsJson, RefusesWhatIsNotTheFormat) {
  expect_refused("", "expected a value");
  expect_refused("\"params\"", "expected an object or an array");
  expect_refused(numbers(45), "46 parameters, not 45");
  expect_refused(numbers(47), "46 parameters, not 47");
  expect_refused("{\"params\": " + numbers(46) + ", \"gain\": 1}", "unknown key \"gain\"");
  expect_refused("{\"inputGainDb\": 0}", "\"params\" is missing");
  expect_refused("{\"params\": {}}", "must be an array");
  expect_refused("{\"format\": \"other\", \"params\": " + numbers(46) + "}", "not \"itomaster-params\"");
  expect_refused("{\"version\": 2, \"params\": " + numbers(46) + "}", "not supported");
  expect_refused("{\"targetLufs\": \"-14\", \"params\": " + numbers(46) + "}", "must be a number, not a string");
  expect_refused("{\"inputGainDb\": 1, \"input_gain_db\": 1, \"params\": " + numbers(46) + "}", "both");
  expect_refused("{\"chain_input\": \"raw\", \"params\": " + numbers(46) + "}", "chain_input");
  expect_refused(numbers(46, "true"), "must be a number or an object");
  expect_refused(numbers(46, "\"0.5\""), "must be a number or an object");
  expect_refused(numbers(46, "{\"id\": \"gain\", \"normalized\": 0.5}"), "\"gain\" is given twice");
  expect_refused(numbers(46, "{\"id\": \"loudness\", \"normalized\": 0.5}"), "unknown parameter id \"loudness\"");
  expect_refused(numbers(46, "{\"label\": \"Gain\"}"), "neither \"normalized\" nor \"value\"");
  expect_refused(numbers(46, "{\"normalized\": 0.5, \"colour\": 1}"), "unknown key \"colour\"");
  expect_refused(numbers(46, "{\"normalized\": 0.5, \"unit\": 5}"), "must be a string");
}

TEST(SettingsJson, RefusesNonFiniteNumbersAndBadJson) {
  expect_refused(numbers(46, "NaN"), "expected a value");
  expect_refused(numbers(46, "Infinity"), "expected a value");
  expect_refused(numbers(46, "1e999"), "out of range");
  expect_refused(numbers(46, "-1e400"), "out of range");
  expect_refused(numbers(46, "01"), "expected ','");
  expect_refused(numbers(46, "1."), "digits after '.'");
  expect_refused(numbers(46) + " x", "unexpected text after the value");
  expect_refused("{\"params\": [1,2,]}", "expected a value");
  expect_refused("{\"params\": 1, \"params\": 2}", "duplicate key \"params\"");
  expect_refused("[\"\\ud800\"]", "lone high surrogate");
  expect_refused("[\"a\tb\"]", "control character");
  expect_refused("[\"abc", "unterminated string");
}

TEST(SettingsJson, RefusesDeepNestingAndHugeInputs) {
  expect_refused(std::string(5, '[') + std::string(5, ']'), "nesting deeper than 4");
  expect_refused(std::string(100000, '['), "nesting deeper");  // fails fast, no deep recursion
  std::string huge = numbers(46);
  huge += std::string(kMaxSettingsJsonBytes, ' ');
  expect_refused(huge, "at most 1048576");
}

TEST(JsonReader, ReadsEscapesNumbersAndLiterals) {
  const json::Value v = json::parse(R"( {"s": "a\"b\\c\/\n\u00e9\ud83c\udfb5", "n": -1.5e-3, "z": 0,
                                         "t": true, "f": false, "x": null, "a": [], "o": {}} )");
  ASSERT_EQ(v.kind, json::Value::Kind::Object);
  EXPECT_EQ(v.find("s")->string, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x8e\xb5");
  EXPECT_EQ(v.find("n")->number, -1.5e-3);
  EXPECT_EQ(v.find("z")->number, 0.0);
  EXPECT_TRUE(v.find("t")->boolean);
  EXPECT_EQ(v.find("f")->kind, json::Value::Kind::Bool);
  EXPECT_EQ(v.find("x")->kind, json::Value::Kind::Null);
  EXPECT_TRUE(v.find("a")->items.empty());
  EXPECT_TRUE(v.find("o")->members.empty());
  EXPECT_EQ(v.find("missing"), nullptr);
}

}  // namespace
}  // namespace ito
