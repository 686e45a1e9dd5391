// A minimal ONNX writer: the few ModelProto messages that the exported networks need,
// encoded by hand in the protobuf wire format (no protobuf library).
//
// Covered: ModelProto (ir_version 8, one opset_import of the default domain, opset 17),
// GraphProto (nodes, initializers, inputs, outputs), NodeProto with INT, INTS and FLOAT
// attributes, TensorProto initializers (float32 / int64 as raw_data) and ValueInfoProto for
// float tensors whose dimensions are fixed or symbolic. Field numbers are onnx/onnx.proto's.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ito::onnx {

constexpr std::int64_t kIrVersion = 8;
constexpr std::int64_t kOpsetVersion = 17;

// TensorProto.DataType values used here.
enum class DataType : int { Float = 1, Int64 = 7 };

// Protobuf wire format: a message is a run of (tag, value) fields.
class ProtoWriter {
 public:
  void varint(int field, std::uint64_t value);  // int32/int64/enum (negative: 10 bytes)
  void fixed32(int field, float value);         // float
  void bytes(int field, std::string_view value);  // string, bytes, nested message
  const std::string& str() const { return out_; }

 private:
  void raw_varint(std::uint64_t value);
  std::string out_;
};

// A fixed size or a symbolic name (e.g. "frames").
struct Dim {
  std::int64_t value = 0;
  std::string param;  // non-empty: symbolic
};

struct ValueInfo {
  std::string name;
  std::vector<Dim> dims;
  DataType type = DataType::Float;
};

struct Attribute {
  enum class Kind { Float, Int, Ints };
  std::string name;
  Kind kind = Kind::Int;
  float f = 0.0f;
  std::int64_t i = 0;
  std::vector<std::int64_t> ints;

  static Attribute make_float(std::string name, float v);
  static Attribute make_int(std::string name, std::int64_t v);
  static Attribute make_ints(std::string name, std::vector<std::int64_t> v);
};

struct Node {
  std::string op_type;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
  std::string name;
};

// An initializer; `raw` holds the values little-endian, as raw_data wants them.
struct Initializer {
  std::string name;
  std::vector<std::int64_t> dims;  // empty: a scalar
  DataType type = DataType::Float;
  std::string raw;
};

Initializer float_initializer(std::string name, std::vector<std::int64_t> dims, const float* values);
Initializer int64_initializer(std::string name, std::vector<std::int64_t> dims,
                              const std::vector<std::int64_t>& values);

struct Graph {
  std::string name;
  std::vector<Node> nodes;  // topologically sorted
  std::vector<Initializer> initializers;
  std::vector<ValueInfo> inputs, outputs;
};

// The serialized ModelProto (what a .onnx file holds).
std::string serialize_model(const Graph& graph, const std::string& producer = "itomaster");

}  // namespace ito::onnx
