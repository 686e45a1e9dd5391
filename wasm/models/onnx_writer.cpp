#include "models/onnx_writer.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace ito::onnx {

static_assert(std::endian::native == std::endian::little, "raw_data is little-endian: copy bytes as they are");

namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// AttributeProto.AttributeType values used here.
enum AttributeType { kAttrFloat = 1, kAttrInt = 2, kAttrInts = 7 };

std::string encode_attribute(const Attribute& a) {
  ProtoWriter w;
  w.bytes(1, a.name);  // name
  switch (a.kind) {
    case Attribute::Kind::Float:
      w.fixed32(2, a.f);  // f
      w.varint(20, kAttrFloat);  // type
      break;
    case Attribute::Kind::Int:
      w.varint(3, static_cast<std::uint64_t>(a.i));  // i
      w.varint(20, kAttrInt);
      break;
    case Attribute::Kind::Ints:
      // proto2 repeated scalars: one field per value (unpacked, the proto2 default).
      for (std::int64_t v : a.ints) w.varint(8, static_cast<std::uint64_t>(v));  // ints
      w.varint(20, kAttrInts);
      break;
  }
  return w.str();
}

std::string encode_node(const Node& n) {
  ProtoWriter w;
  for (const auto& in : n.inputs) w.bytes(1, in);
  for (const auto& out : n.outputs) w.bytes(2, out);
  if (!n.name.empty()) w.bytes(3, n.name);
  w.bytes(4, n.op_type);
  for (const auto& a : n.attributes) w.bytes(5, encode_attribute(a));
  return w.str();
}

std::string encode_initializer(const Initializer& t) {
  ProtoWriter w;
  for (std::int64_t d : t.dims) w.varint(1, static_cast<std::uint64_t>(d));  // dims
  w.varint(2, static_cast<std::uint64_t>(t.type));                           // data_type
  w.bytes(8, t.name);                                                        // name
  w.bytes(9, t.raw);                                                         // raw_data
  return w.str();
}

// ValueInfoProto { name, type: TypeProto { tensor_type { elem_type, shape { dim* } } } }.
std::string encode_value_info(const ValueInfo& v) {
  ProtoWriter shape;
  for (const Dim& d : v.dims) {
    ProtoWriter dim;
    if (d.param.empty()) {
      dim.varint(1, static_cast<std::uint64_t>(d.value));  // dim_value
    } else {
      dim.bytes(2, d.param);  // dim_param
    }
    shape.bytes(1, dim.str());
  }
  ProtoWriter tensor;
  tensor.varint(1, static_cast<std::uint64_t>(v.type));  // elem_type
  tensor.bytes(2, shape.str());                          // shape
  ProtoWriter type;
  type.bytes(1, tensor.str());  // tensor_type
  ProtoWriter w;
  w.bytes(1, v.name);
  w.bytes(2, type.str());
  return w.str();
}

std::string encode_graph(const Graph& g) {
  ProtoWriter w;
  for (const Node& n : g.nodes) w.bytes(1, encode_node(n));
  w.bytes(2, g.name);
  for (const Initializer& t : g.initializers) w.bytes(5, encode_initializer(t));
  for (const ValueInfo& v : g.inputs) w.bytes(11, encode_value_info(v));
  for (const ValueInfo& v : g.outputs) w.bytes(12, encode_value_info(v));
  return w.str();
}

}  // namespace

void ProtoWriter::raw_varint(std::uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void ProtoWriter::varint(int field, std::uint64_t value) {
  raw_varint(static_cast<std::uint64_t>(field) << 3 | kVarint);
  raw_varint(value);
}

void ProtoWriter::fixed32(int field, float value) {
  raw_varint(static_cast<std::uint64_t>(field) << 3 | kFixed32);
  char b[4];
  std::memcpy(b, &value, 4);
  out_.append(b, 4);
}

void ProtoWriter::bytes(int field, std::string_view value) {
  raw_varint(static_cast<std::uint64_t>(field) << 3 | kLengthDelimited);
  raw_varint(value.size());
  out_.append(value.data(), value.size());
}

Attribute Attribute::make_float(std::string name, float v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::Float;
  a.f = v;
  return a;
}

Attribute Attribute::make_int(std::string name, std::int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::Int;
  a.i = v;
  return a;
}

Attribute Attribute::make_ints(std::string name, std::vector<std::int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::Ints;
  a.ints = std::move(v);
  return a;
}

namespace {

std::size_t element_count(const std::vector<std::int64_t>& dims) {
  std::size_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

}  // namespace

Initializer float_initializer(std::string name, std::vector<std::int64_t> dims, const float* values) {
  Initializer t;
  t.name = std::move(name);
  t.type = DataType::Float;
  t.raw.assign(reinterpret_cast<const char*>(values), element_count(dims) * sizeof(float));
  t.dims = std::move(dims);
  return t;
}

Initializer int64_initializer(std::string name, std::vector<std::int64_t> dims,
                              const std::vector<std::int64_t>& values) {
  if (values.size() != element_count(dims))
    throw std::invalid_argument("int64_initializer: " + name + ": size mismatch");
  Initializer t;
  t.name = std::move(name);
  t.type = DataType::Int64;
  t.raw.assign(reinterpret_cast<const char*>(values.data()), element_count(dims) * sizeof(std::int64_t));
  t.dims = std::move(dims);
  return t;
}

std::string serialize_model(const Graph& graph, const std::string& producer) {
  ProtoWriter opset;
  opset.bytes(1, "");  // domain: the default (ai.onnx)
  opset.varint(2, kOpsetVersion);
  ProtoWriter model;
  model.varint(1, kIrVersion);  // ir_version
  model.bytes(2, producer);     // producer_name
  model.bytes(7, encode_graph(graph));
  model.bytes(8, opset.str());  // opset_import
  return model.str();
}

}  // namespace ito::onnx
