#include "server/json_io.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace bertcpp::server {

namespace {

HttpError wrong_type(const char* field, const char* expected, const nlohmann::json& value) {
  return HttpError(400, std::string("field '") + field + "' must be " + expected + ", got " + value.type_name());
}

}  // namespace

nlohmann::json parse_object(const std::string& body) {
  nlohmann::json j;
  try {
    // Nesting is refused as it is read: a 200 KB body of 100,000 nested lists parsed fine, and
    // then overflowed the stack of whatever walked it recursively (dump, the destructor).
    j = nlohmann::json::parse(body, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > kMaxJsonDepth) {
        throw HttpError(400, "the request body nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
      return true;
    });
  } catch (const nlohmann::json::exception& e) {
    // e.what() says where and why, e.g. "invalid string: ill-formed UTF-8 byte", or a number
    // too large for a double ("1e999": out_of_range, which was a 500).
    throw HttpError(400, std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw HttpError(400, std::string("the request body must be a JSON object, got ") + j.type_name());
  return j;
}

std::string error_body(int status, const std::string& message) {
  const char* type = status == 401 ? "authentication_error"
                     : status == 413 ? "payload_too_large"
                     : status == 503 ? "overloaded"
                     : status == 504 ? "timeout"
                     : status >= 500 ? "server_error"
                                     : "invalid_request_error";
  // error_handler_t::replace: a message quoting bad input stays valid UTF-8 JSON.
  return nlohmann::json{{"error", {{"message", message}, {"type", type}, {"code", status}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool get_bool(const nlohmann::json& body, const char* field, bool fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw wrong_type(field, "true or false", *it);
  return it->get<bool>();
}

std::string get_string(const nlohmann::json& body, const char* field, const std::string& fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw wrong_type(field, "a string", *it);
  return it->get<std::string>();
}

long long get_int(const nlohmann::json& body, const char* field, long long fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) throw wrong_type(field, "an integer", *it);
  return it->get<long long>();
}

void append_floats(std::string& out, const float* values, size_t n) {
  char buf[32];
  out.push_back('[');
  for (size_t i = 0; i < n; ++i) {
    if (i) out.push_back(',');
    if (values[i] == 0 && std::signbit(values[i])) {
      out += "-0.0";  // "-0" would read back as the integer 0, losing the sign bit
      continue;
    }
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(values[i]));
    out.append(buf, r.ptr);
  }
  out.push_back(']');
}

std::string base64_floats(const float* values, size_t n) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(n * sizeof(float), '\0');
  std::memcpy(bytes.data(), values, bytes.size());  // x86-64 is little-endian, as the format wants
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (two ? uint8_t(bytes[i + 1]) << 8 : 0);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(two ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace bertcpp::server
