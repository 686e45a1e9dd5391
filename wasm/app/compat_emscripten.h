// Force-included into every C++ file of the Emscripten build (see CMakeLists.txt).
// Debian's Emscripten 3.1.6 ships a libc++ without std::bit_cast (C++20); clang 14 has
// the builtin, so provide the function where the library lacks it.
#pragma once
#ifdef __cplusplus
#include <bit>
#include <string_view>
#include <type_traits>
#ifndef __cpp_lib_bit_cast
namespace std {
template <class To, class From>
  requires(sizeof(To) == sizeof(From) && is_trivially_copyable_v<To> && is_trivially_copyable_v<From>)
constexpr To bit_cast(const From& from) noexcept {
  return __builtin_bit_cast(To, from);
}
}  // namespace std
#endif

// Its <charconv> has no floating-point from_chars either (only integers); the browser
// build never changes the C locale, so strtod parses the same way.
#include <charconv>
#include <cerrno>
#include <cstdlib>
#if !defined(__cpp_lib_to_chars) && defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 14000
namespace std {
inline from_chars_result from_chars(const char* first, const char* last, double& value) {
  const std::string_view text(first, static_cast<size_t>(last - first));
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer) return {first, errc::invalid_argument};
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  // from_chars accepts no leading whitespace or '+'.
  if (buffer[0] == '+' || buffer[0] == ' ' || buffer[0] == '\t') return {first, errc::invalid_argument};
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(buffer, &end);
  if (end == buffer) return {first, errc::invalid_argument};
  if (errno == ERANGE) return {first + (end - buffer), errc::result_out_of_range};
  value = v;
  return {first + (end - buffer), errc{}};
}
}  // namespace std
#endif
#endif
