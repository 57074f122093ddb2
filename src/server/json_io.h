// JSON in and out for the HTTP endpoints: body parsing with errors that name the field,
// the error body every endpoint returns, and float rows written so they parse back to the
// same float32 bits.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace bertcpp::server {

// An error the client caused (or must be told about), with its HTTP status.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

// The request body as a JSON object; HttpError 400 for anything else (bad JSON, bad UTF-8 in
// a string, a top-level array or number, nesting deeper than kMaxJsonDepth).
constexpr int kMaxJsonDepth = 64;
nlohmann::json parse_object(const std::string& body);

// {"error": {"message": ..., "type": ..., "code": status}}: OpenAI's shape, used everywhere.
std::string error_body(int status, const std::string& message);

// Field readers: the field's value, `fallback` when absent or null, HttpError 400 naming the
// field and the JSON type found when it has the wrong type.
bool get_bool(const nlohmann::json& body, const char* field, bool fallback);
std::string get_string(const nlohmann::json& body, const char* field, const std::string& fallback);
long long get_int(const nlohmann::json& body, const char* field, long long fallback);

// Appends [v0,v1,...]: each float32 printed as the shortest decimal of its double value,
// which any JSON reader turns back into the same float32.
void append_floats(std::string& out, const float* values, size_t n);
// Base64 of the values' little-endian float32 bytes (OpenAI's encoding_format "base64").
std::string base64_floats(const float* values, size_t n);

}  // namespace bertcpp::server
