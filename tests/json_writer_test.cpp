// core/json_writer.h: the JSON the CLI's summaries and the studio UI's actions are written with.
#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace ito {
namespace {

TEST(JsonWriter, NestedCompactOutput) {
  JsonWriter w;
  w.begin_object()
      .field("name", "song \"A\"")
      .field("lufs", -14.25)
      .field("frames", std::size_t{1} << 40)
      .field("ok", true)
      .begin_array("gains")
      .value(1)
      .value(0.5)
      .begin_object()
      .field("x", -3)
      .end_object()
      .end_array()
      .begin_object("empty")
      .end_object()
      .key("none")
      .null()
      .end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.str(),
            R"({"name":"song \"A\"","lufs":-14.25,"frames":1099511627776,"ok":true,)"
            R"("gains":[1,0.5,{"x":-3}],"empty":{},"none":null})");
}

TEST(JsonWriter, PrettyOutput) {
  JsonWriter w(2);
  w.begin_object().field("a", 1).begin_array("b").value(2).value(3).end_array().begin_array("c").end_array().end_object();
  EXPECT_EQ(w.str(), "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    3\n  ],\n  \"c\": []\n}");
}

TEST(JsonWriter, EscapesStrings) {
  EXPECT_EQ(json_quote("a\"b\\c\nd\te\r\b\f\x01\x1f/"), R"("a\"b\\c\nd\te\r\b\f\u0001\u001f/")");
  EXPECT_EQ(json_quote("Caf\xC3\xA9 \xF0\x9F\x8E\xB5"), "\"Caf\xC3\xA9 \xF0\x9F\x8E\xB5\"");  // valid UTF-8 kept
  EXPECT_EQ(json_quote("bad\xFF\xC3"), "\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"");  // invalid bytes -> U+FFFD
  EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // UTF-16 surrogate
}

TEST(JsonWriter, NumbersRoundTripAndNonFiniteIsNull) {
  const double values[] = {0.1, 1.0 / 3.0, -2.5e-300, 6.02214076e23, 44100.0, -0.0};
  for (double v : values) {
    JsonWriter w;
    w.value(v);
    EXPECT_EQ(std::strtod(w.str().c_str(), nullptr), v) << w.str();
    EXPECT_EQ(w.str().find_first_not_of("0123456789.-+e"), std::string::npos) << w.str();
  }
  JsonWriter w;
  w.begin_array()
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .value(1.5f)
      .end_array();
  EXPECT_EQ(w.str(), "[null,null,null,1.5]");
  JsonWriter v;
  v.values({1.0, std::nan(""), 2.0});
  EXPECT_EQ(v.str(), "[1,null,2]");
}

TEST(JsonWriter, MisuseThrows) {
  EXPECT_THROW(JsonWriter().begin_object().value(1), std::logic_error);       // value without key
  EXPECT_THROW(JsonWriter().begin_array().key("k"), std::logic_error);        // key in array
  EXPECT_THROW(JsonWriter().begin_array().end_object(), std::logic_error);    // wrong bracket
  EXPECT_THROW(JsonWriter().end_array(), std::logic_error);                   // nothing open
  EXPECT_THROW(JsonWriter().begin_object().key("k").end_object(), std::logic_error);  // dangling key
  EXPECT_THROW(JsonWriter().value(1).value(2), std::logic_error);             // two top-level values
  JsonWriter open;
  open.begin_object();
  EXPECT_FALSE(open.complete());
}


// Emscripten's libc++ has no floating-point std::to_chars, so the writer finds the shortest
// round trip itself; natively it must give what to_chars gives, character for character.
TEST(JsonWriter, NumbersAreWhatToCharsWrites) {
  std::mt19937_64 rng(7);
  std::vector<double> values = {0.0, -0.0, 1.0, 100000.0, 1e15, 1e16, 1e21, 1e22, 123456789012345680.0, 0.001,
                                0.0001, 1e-5, 5e-324, 1.7976931348623157e308, 0.3, 2.0 / 3.0, 44100.0, -14.25};
  std::uniform_real_distribution<double> mantissa(-10.0, 10.0);
  std::uniform_int_distribution<int> exponent(-30, 30);
  for (int i = 0; i < 20000; ++i) values.push_back(mantissa(rng) * std::pow(10.0, exponent(rng)));
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<float>(mantissa(rng)));  // float-valued doubles
  for (int i = 0; i < 2000; ++i) values.push_back(std::round(mantissa(rng) * 1e6));   // integers
  for (double v : values) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    JsonWriter w;
    w.value(v);
    ASSERT_EQ(w.str(), std::string(buf, res.ptr)) << v;
  }
}

}  // namespace
}  // namespace ito
